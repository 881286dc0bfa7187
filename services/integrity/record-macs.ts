/**
 * Makes and checks the MACs of authority-bearing records with the cipher's
 * per-tenant record key (Cipher.mac). One cipher call per batch of records;
 * MACs travel as base64url text, compared in constant time.
 *
 * A check that succeeded is remembered (what the MAC covers, and the MAC),
 * so the records read on every call (the caller's token, hot secrets) cost a
 * map lookup instead of an HMAC. Sound because record keys never change: the
 * same message and MAC always check the same way. Bounded; forgotten whole
 * when full.
 */
import { timingSafeEqual } from "node:crypto";
import {
  consumerOwnerMessage,
  secretIdentityMessage,
  secretStateMessage,
  secretVersionMessage,
  tenantMessage,
  tokenIdentityMessage,
  tokenRevocationMessage,
  type SecretIdentity,
  type TokenIdentity,
} from "../domain/record-authentication.js";
import type { Cipher } from "../ports/cipher.js";
import type {
  ApiTokenMacs,
  ApiTokenRecord,
  ConsumerRecord,
  SecretMacs,
  SecretRecord,
  SecretState,
  TenantRecord,
} from "../ports/metadata-store.js";

/** Which MAC of a record failed, for the log (never a value: records hold none). */
export type MacFailure = "missing" | "identity" | "state" | "version" | "revocation" | "tenant" | "owner";

const MAX_REMEMBERED = 10_000;

export class RecordMacs {
  private readonly verified = new Set<string>();

  constructor(private readonly cipher: Cipher) {}

  async tenant(tenantId: string): Promise<string> {
    return (await this.macs(tenantId, [tenantMessage(tenantId)]))[0]!;
  }

  async secret(secret: SecretIdentity, state: SecretState, version: number): Promise<SecretMacs> {
    const [identity, stateMac, versionMac] = await this.made(secret.tenantId, [
      secretIdentityMessage(secret),
      secretStateMessage(secret.tenantId, secret.id, state),
      secretVersionMessage(secret.tenantId, secret.id, version),
    ]);
    return { identity: identity!, state: stateMac!, version: versionMac! };
  }

  async secretState(tenantId: string, secretId: string, state: SecretState): Promise<string> {
    return (await this.macs(tenantId, [secretStateMessage(tenantId, secretId, state)]))[0]!;
  }

  async secretVersion(tenantId: string, secretId: string, version: number): Promise<string> {
    return (await this.made(tenantId, [secretVersionMessage(tenantId, secretId, version)]))[0]!;
  }

  async token(token: TokenIdentity & { revokeTime?: Date }): Promise<ApiTokenMacs> {
    const [identity, revocation] = await this.macs(token.tenantId, [
      tokenIdentityMessage(token),
      tokenRevocationMessage(token.tenantId, token.id, token.revokeTime),
    ]);
    return { identity: identity!, revocation: revocation! };
  }

  async tokenRevocation(tenantId: string, tokenId: string, revokeTime: Date): Promise<string> {
    return (await this.macs(tenantId, [tokenRevocationMessage(tenantId, tokenId, revokeTime)]))[0]!;
  }

  async consumerOwner(tenantId: string, consumerId: string, ownerTokenId: string): Promise<string> {
    return (await this.made(tenantId, [consumerOwnerMessage(tenantId, consumerId, ownerTokenId)]))[0]!;
  }

  /** Checks the owners of consumers of one tenant; undefined where it holds or there is no owner (registered before owners). */
  async checkConsumerOwners(tenantId: string, consumers: readonly ConsumerRecord[]): Promise<(MacFailure | undefined)[]> {
    const owned = consumers.filter((c) => c.owner !== undefined);
    const holds = await this.verify(
      tenantId,
      owned.map((c): [string, string] => [consumerOwnerMessage(c.tenantId, c.id, c.owner!.tokenId), c.owner!.mac ?? ""]),
    );
    let next = 0; // owned consumers' results, in order
    return consumers.map((c) => (c.owner === undefined || holds[next++] ? undefined : "owner"));
  }

  /** Checks a tenant record; undefined where it holds. */
  async checkTenant(tenant: TenantRecord): Promise<MacFailure | undefined> {
    if (tenant.mac === undefined) return "missing";
    const [holds] = await this.verify(tenant.id, [[tenantMessage(tenant.id), tenant.mac]]);
    return holds ? undefined : "tenant";
  }

  /** Checks secrets of one tenant (MACs under `tenantId`'s key); one entry per secret, undefined where it holds. */
  async checkSecrets(tenantId: string, secrets: readonly SecretRecord[]): Promise<(MacFailure | undefined)[]> {
    const holds = await this.verify(
      tenantId,
      secrets.flatMap((s): [string, string][] => [
        [secretIdentityMessage(s), s.macs?.identity ?? ""],
        [secretStateMessage(s.tenantId, s.id, s.state), s.macs?.state ?? ""],
        [secretVersionMessage(s.tenantId, s.id, s.version), s.macs?.version ?? ""],
      ]),
    );
    return secrets.map(({ macs }, i) => {
      if (!macs) return "missing";
      if (!holds[3 * i]) return "identity";
      if (!holds[3 * i + 1]) return "state";
      return holds[3 * i + 2] ? undefined : "version";
    });
  }

  /** Checks tokens of one tenant; one entry per token, undefined where it holds. */
  async checkTokens(tenantId: string, tokens: readonly ApiTokenRecord[]): Promise<(MacFailure | undefined)[]> {
    const holds = await this.verify(
      tenantId,
      tokens.flatMap((t): [string, string][] => [
        [tokenIdentityMessage(t), t.macs?.identity ?? ""],
        [tokenRevocationMessage(t.tenantId, t.id, t.revokeTime), t.macs?.revocation ?? ""],
      ]),
    );
    return tokens.map(({ macs }, i) => {
      if (!macs) return "missing";
      if (!holds[2 * i]) return "identity";
      return holds[2 * i + 1] ? undefined : "revocation";
    });
  }

  /** Whether each (message, stored MAC) pair holds under the tenant's key; one cipher call for what is not remembered. */
  private async verify(tenantId: string, pairs: readonly [message: string, mac: string][]): Promise<boolean[]> {
    const keys = pairs.map(([message, mac]) => `${tenantId}\n${mac}\n${message}`);
    const holds = keys.map((key) => this.verified.has(key));
    const unknown = pairs.flatMap(([, mac], i) => (mac !== "" && !holds[i] ? [i] : []));
    const expected =
      unknown.length === 0
        ? []
        : await this.macs(
            tenantId,
            unknown.map((i) => pairs[i]![0]),
          );
    unknown.forEach((pairIndex, i) => {
      holds[pairIndex] = same(pairs[pairIndex]![1], expected[i]!);
      if (holds[pairIndex]) this.remember(keys[pairIndex]!);
    });
    return holds;
  }

  /**
   * MACs for records about to be written, remembered as checked: the write
   * reads its record back and checks it (a secret write on every call), and
   * made here, they hold.
   */
  private async made(tenantId: string, messages: readonly string[]): Promise<string[]> {
    const macs = await this.macs(tenantId, messages);
    for (const [i, mac] of macs.entries()) this.remember(`${tenantId}\n${mac}\n${messages[i]}`);
    return macs;
  }

  private remember(key: string): void {
    if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
    this.verified.add(key);
  }

  private async macs(tenantId: string, messages: readonly string[]): Promise<string[]> {
    const tags = await this.cipher.mac(
      tenantId,
      messages.map((message) => Buffer.from(message, "utf8")),
    );
    return tags.map((tag) => Buffer.from(tag).toString("base64url"));
  }
}

function same(stored: string, expected: string): boolean {
  const a = Buffer.from(stored, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
