/**
 * Last access times, written beside the resolves rather than inside them: a
 * resolve notes the secrets whose stored time is older than the resolution
 * and answers without waiting for a write. The notes of `gatherMs` are
 * written together, one store call per tenant: at 100,000 secrets picked at
 * random, each access dirtied its own table and index pages, and a write per
 * turn of the event loop cost about 1 ms per 20 secrets (BENCHMARKS.md,
 * "Durable writes and scale"); gathered, the pages are shared. The records
 * read cache forgets them once written, so GetSecret shows the new time. A
 * failed write is reported and dropped: the time is a hint kept to the
 * minute, and the next resolve notes it again.
 */
import type { SecretReadCache } from "../secrets/secret-read-cache.js";
import type { SecretStore } from "../ports/secret-store.js";
import { GroupCommit } from "../support/group-commit.js";

/** How long notes gather before they are written: a last access shows this much later, at most. */
export const ACCESS_WRITE_GATHER_MS = 250;
/**
 * Secrets per store call at most. The embedded store's statement runs on the
 * event loop: 2,000 random rows held every other call up for ~100 ms (p99 of
 * a resolve 9x its p50); 200 keep each write to a few milliseconds.
 */
const ACCESS_WRITE_MAX_BATCH = 200;

interface Access {
  tenantId: string;
  secretId: string;
  nameKey: string;
  time: Date;
}

export class AccessTimes {
  private readonly writes: GroupCommit<Access>;
  /** Accesses noted and not yet written (tenant and secret id): noted again, they are not queued twice. */
  private readonly pending = new Set<string>();
  /** Notes not yet settled, for `drained`. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    store: Pick<SecretStore, "recordSecretAccess">,
    reads: Pick<SecretReadCache, "forget">,
    private readonly onError: (error: unknown) => void,
    gatherMs = ACCESS_WRITE_GATHER_MS,
  ) {
    this.writes = new GroupCommit(
      async (accesses) => {
        try {
          for (const [tenantId, group] of byTenant(accesses)) {
            await store.recordSecretAccess(tenantId, [...group.nameKeys.keys()], group.time);
            for (const nameKey of group.nameKeys.values()) reads.forget(tenantId, nameKey);
          }
        } finally {
          for (const access of accesses) this.pending.delete(pendingKey(access.tenantId, access.secretId));
        }
      },
      ACCESS_WRITE_MAX_BATCH,
      gatherMs,
    );
  }

  /** Notes an access; the promise (for tests) settles once it is written, and never rejects. */
  note(tenantId: string, secrets: readonly { id: string; nameKey: string }[], time: Date): Promise<void> {
    const fresh = secrets.filter((secret) => !this.pending.has(pendingKey(tenantId, secret.id)));
    for (const secret of fresh) this.pending.add(pendingKey(tenantId, secret.id));
    const written = Promise.all(
      fresh.map((secret) => this.writes.add({ tenantId, secretId: secret.id, nameKey: secret.nameKey, time })),
    ).then(
      () => undefined,
      (error: unknown) => {
        this.onError(error);
      },
    );
    this.inFlight.add(written);
    void written.finally(() => this.inFlight.delete(written));
    return written;
  }

  /** Resolves once every access noted so far is written (or reported): before the store closes. */
  async drained(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}

/** Per tenant: each secret once (id → name key), at the latest time noted. */
function byTenant(accesses: readonly Access[]): Map<string, { nameKeys: Map<string, string>; time: Date }> {
  const groups = new Map<string, { nameKeys: Map<string, string>; time: Date }>();
  for (const access of accesses) {
    const group = groups.get(access.tenantId);
    if (!group) groups.set(access.tenantId, { nameKeys: new Map([[access.secretId, access.nameKey]]), time: access.time });
    else {
      group.nameKeys.set(access.secretId, access.nameKey);
      if (access.time > group.time) group.time = access.time;
    }
  }
  return groups;
}

const pendingKey = (tenantId: string, secretId: string) => `${tenantId}\u0000${secretId}`;
