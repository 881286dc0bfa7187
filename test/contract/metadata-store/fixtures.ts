/** Fixtures shared by the MetadataStore contract's sections. */
import { randomBytes, randomUUID } from "node:crypto";
import { expect } from "vitest";
import { secretNameKey } from "../../../kernel/names.js";
import type {
  ApiTokenRecord,
  AuditEventRecord,
  ConsumerReference,
  MetadataStore,
  NewSecret,
  NewSecretVersion,
  Page,
  SecretChangeEvent,
  SecretRecord,
} from "../../../services/ports/metadata-store.js";

/** What every section of the contract works with: the store of the running test, and helpers over it. */
export interface StoreContract {
  readonly store: MetadataStore;
  /** Creates a secret at version 1, failing the test if the name is taken. */
  create(tenantId: string, secretName: string, extra?: Partial<NewSecret>): Promise<SecretRecord>;
  /** Collects this tenant's change events; `settle` waits until a marker change has come through. */
  recordChanges(tenantId: string): { events: SecretChangeEvent[]; unsubscribe: () => void; settle: () => Promise<void> };
}

/** A fixed base so times compare exactly; every test time is an offset from it. */
const BASE_MS = Date.UTC(2030, 0, 1);
export const at = (offsetMs: number): Date => new Date(BASE_MS + offsetMs);

export const newTenantId = (): string => `t-${randomUUID()}`;

export function newSecret(tenantId: string, name: string, extra: Partial<NewSecret> = {}): NewSecret {
  return {
    tenantId,
    id: `s-${randomUUID()}`,
    name,
    nameKey: secretNameKey(name),
    displayName: `${name} display`,
    description: `about ${name}`,
    labels: {},
    type: "TOKEN",
    createTime: at(0),
    ...extra,
  };
}

/** Stand-in ciphertext: random bytes with zeros in them, as a real cipher's output would have. */
export function sealed(version: number, keyVersion = 1): NewSecretVersion {
  return {
    version,
    ciphertext: Uint8Array.from([0, ...randomBytes(31), 0]),
    keyVersion,
    createTime: at(version * 1000),
    createdBy: "tok-writer",
  };
}

export const ref = (name: string, field = ""): ConsumerReference => ({
  reference: `$<secret.${name}${field}>`,
  nameKey: secretNameKey(name),
});

export function newToken(tenantId: string, createOffsetMs: number, extra: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    tenantId,
    id: `tok-${randomUUID()}`,
    hash: randomBytes(32).toString("hex"),
    displayName: "a token",
    role: "VIEWER",
    allowedSecretPatterns: ["DB_*", "API_KEY"],
    createTime: at(createOffsetMs),
    createdBy: "tok-admin",
    ...extra,
  };
}

/** Audit ids sort by `sequence`, and stay unique across tenants and runs. */
export function auditEvent(tenantId: string, sequence: number, extra: Partial<AuditEventRecord> = {}): AuditEventRecord {
  return {
    tenantId,
    id: `${String(sequence).padStart(8, "0")}-${randomUUID()}`,
    time: at(sequence * 1000),
    actorTokenId: "tok-a",
    action: "secrets.v1.SecretsService/GetSecret",
    resources: ["DB_PASSWORD"],
    outcome: "SUCCESS",
    statusCode: "OK",
    ...extra,
  };
}

/** Follows cursors to the end, checking each page's size; fails rather than loop forever. */
export async function allPages<T>(limit: number, fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await fetchPage(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end after 1000 pages");
}
