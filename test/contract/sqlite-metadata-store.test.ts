/**
 * The MetadataStore contract on the SQLite adapter, plus what only a file can
 * show: permissions, durability across reopening, open failures, locking.
 */
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../../services/adapters/sqlite/sqlite-metadata-store.js";
import { SCHEMA_VERSION } from "../../services/adapters/sqlite/schema.js";
import { BackendUnavailableError, ServiceError } from "../../services/domain/errors.js";
import { secretNameKey } from "../../kernel/names.js";
import type { NewSecret, NewSecretVersion, SecretChangeEvent } from "../../services/ports/metadata-store.js";
import { describeMetadataStoreContract } from "./metadata-store.contract.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "sqlite-store-"));
}

describeMetadataStoreContract("SQLite", async () => {
  const dir = tempDir();
  const store = SqliteMetadataStore.open(join(dir, "store.db"));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const created = new Date(Date.UTC(2030, 0, 1));

function secret(tenantId: string, name: string, labels: Record<string, string> = {}): NewSecret {
  return {
    tenantId,
    id: `s-${randomUUID()}`,
    name,
    nameKey: secretNameKey(name),
    displayName: name,
    description: "",
    labels,
    type: "TOKEN",
    createTime: created,
  };
}

function sealed(version: number): NewSecretVersion {
  return { version, ciphertext: Uint8Array.of(0, version, 0), keyVersion: 1, createTime: created, createdBy: "tok" };
}

/**
 * The message of the Error that opening `path` throws. root ignores directory
 * permissions, so as root the open runs in a child process as user `nobody`.
 */
function openFailureMessage(path: string): string {
  try {
    SqliteMetadataStore.open(path).close();
  } catch (error) {
    return (error as Error).message;
  }
  return "opened";
}

/**
 * Makes a directory that even root cannot write into: root ignores mode bits,
 * but not the immutable attribute. Returns the undo.
 */
function makeUnwritableDirectory(dir: string): () => void {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  execFileSync("chattr", ["+i", dir]);
  return () => execFileSync("chattr", ["-i", dir]);
}

describe("SqliteMetadataStore (file)", () => {
  let dir: string;
  const opened: SqliteMetadataStore[] = [];
  const open = (path: string, options?: Parameters<typeof SqliteMetadataStore.open>[1]) => {
    const store = SqliteMetadataStore.open(path, options);
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates its directory and an owner-only file (and WAL file)", async () => {
    const path = join(dir, "nested", "data", "store.db");
    const store = open(path);
    await store.createSecret(secret("t1", "DB"), sealed(1));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
  });

  it("uses WAL journaling and records its schema version", async () => {
    const path = join(dir, "store.db");
    await open(path).close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(raw.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: SCHEMA_VERSION });
    } finally {
      raw.close();
    }
  });

  it("deletes audit events past the retention period, keeping the rest", async () => {
    const path = join(dir, "store.db");
    const day = 24 * 60 * 60 * 1000;
    const event = (id: string, ageDays: number) => ({
      tenantId: "acme",
      id,
      time: new Date(Date.now() - ageDays * day),
      actorTokenId: "tok-1",
      action: "secrets.v1.SecretsService/GetSecret",
      resources: [],
      outcome: "SUCCESS" as const,
      statusCode: "OK",
    });
    const first = open(path, { auditRetentionDays: 30 });
    await first.appendAuditEvents([event("old-1", 45), event("old-2", 31), event("recent", 29), event("today", 0)]);
    await first.close();
    // Pruning runs at open (and hourly after).
    const second = open(path, { auditRetentionDays: 30 });
    const kept = (await second.listAuditEvents("acme", { limit: 10 })).items.map((e) => e.id);
    expect(kept.sort()).toEqual(["recent", "today"]);
  });

  it("keeps everything across closing and reopening the file", async () => {
    const path = join(dir, "store.db");
    const first = open(path);
    await first.createTenant({ id: "acme", displayName: "Acme", createTime: created });
    const record = await first.createSecret(secret("acme", "Db_Password", { env: "prod" }), sealed(1));
    await first.addSecretVersion("acme", record!.id, sealed(2), 5);
    await first.setConsumerReferences("acme", "svc", [{ reference: "$<secret.Db_Password>", nameKey: "db_password" }], created);
    const token = {
      tenantId: "acme",
      id: "tok-1",
      hash: "ab".repeat(32),
      displayName: "admin",
      role: "ADMIN" as const,
      allowedSecretPatterns: [],
      createTime: created,
      createdBy: "",
    };
    await first.createApiToken(token);
    await first.appendAuditEvents([
      {
        tenantId: "acme",
        id: "0001",
        time: created,
        actorTokenId: "tok-1",
        action: "create",
        resources: ["Db_Password"],
        outcome: "SUCCESS",
        statusCode: "OK",
      },
    ]);
    const before = await first.getSecret("acme", "db_password");
    await first.close();

    const second = open(path);
    expect(await second.getTenant("acme")).toEqual({ id: "acme", displayName: "Acme", createTime: created });
    expect(await second.getSecret("acme", "db_password")).toEqual(before);
    expect(before).toMatchObject({ version: 2, usageCount: 1 });
    const [current] = await second.getSecretsWithCiphertext("acme", ["db_password"]);
    expect(Buffer.from(current!.ciphertext).equals(Buffer.from([0, 2, 0]))).toBe(true);
    expect(await second.findApiTokenByHash(token.hash)).toEqual(token);
    expect((await second.listAuditEvents("acme", { limit: 10 })).items.map((e) => e.id)).toEqual(["0001"]);
    expect((await second.listSecretVersions("acme", record!.id, { limit: 10 })).items).toHaveLength(2);
  });

  it("refuses a file that is not a database, naming the path and the cause", () => {
    const path = join(dir, "not-a-db.db");
    writeFileSync(path, "this is a text file, long enough to have a header that SQLite rejects\n".repeat(20));
    expect(() => SqliteMetadataStore.open(path)).toThrow(new RegExp(`^cannot open the metadata store at ${path}: file is not a database`));
  });

  it("refuses a path below a regular file, naming the path and the cause", () => {
    const blocker = join(dir, "plain-file");
    writeFileSync(blocker, "x");
    const path = join(blocker, "store.db");
    expect(() => SqliteMetadataStore.open(path)).toThrow(
      // mkdir reports EEXIST for the file in the way; either code names the cause.
      new RegExp(`^cannot open the metadata store at ${path}: (EEXIST|ENOTDIR).*plain-file`),
    );
  });

  it("refuses a read-only directory, naming the path and the cause", () => {
    const readOnly = join(dir, "read-only");
    mkdirSync(readOnly);
    const undo = makeUnwritableDirectory(readOnly);
    try {
      const path = join(readOnly, "store.db");
      expect(openFailureMessage(path)).toMatch(new RegExp(`^cannot open the metadata store at ${path}: .*(EACCES|EPERM)`));
    } finally {
      undo();
    }
  });

  it("refuses a file locked by another writer, after the busy timeout", async () => {
    const path = join(dir, "store.db");
    await open(path).close();
    const holder = new Database(path);
    try {
      holder.exec("BEGIN IMMEDIATE");
      expect(() => SqliteMetadataStore.open(path, { busyTimeoutMs: 50 })).toThrow(
        new RegExp(`^cannot open the metadata store at ${path}: database is locked`),
      );
    } finally {
      holder.close();
    }
  });

  it("refuses a file written by a newer schema version", async () => {
    const path = join(dir, "store.db");
    await open(path).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_version (version) VALUES (?)").run(SCHEMA_VERSION + 1);
    raw.close();
    expect(() => SqliteMetadataStore.open(path)).toThrow(/newer than this release supports/);
  });

  it("reports a write blocked by another process's lock as backend unavailable", async () => {
    const path = join(dir, "store.db");
    const store = open(path, { busyTimeoutMs: 50 });
    const holder = new Database(path);
    try {
      holder.exec("BEGIN IMMEDIATE");
      await expect(store.createSecret(secret("t1", "BLOCKED"), sealed(1))).rejects.toBeInstanceOf(BackendUnavailableError);
    } finally {
      holder.close();
    }
    expect(await store.createSecret(secret("t1", "BLOCKED"), sealed(1))).toBeDefined();
  });

  it("calls change listeners only after commit: another connection already sees the change", async () => {
    const path = join(dir, "store.db");
    const writer = open(path);
    const reader = open(path);
    const seenByReader: Array<number | undefined> = [];
    writer.onSecretChange((event: SecretChangeEvent) => {
      // A separate connection reads only committed data; better-sqlite3 is synchronous, so read now.
      void reader.getSecret(event.tenantId, event.nameKey).then((s) => seenByReader.push(s?.version));
    });
    const record = await writer.createSecret(secret("t1", "COMMITTED"), sealed(1));
    await writer.addSecretVersion("t1", record!.id, sealed(2), 5);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seenByReader).toEqual([1, 2]);
  });

  it("filters labels whose keys hold dots, quotes and slashes", async () => {
    const store = open(join(dir, "store.db"));
    const labels = { "app.kubernetes.io/name": "api", 'say"hi': "x", "$.env": "prod" };
    await store.createSecret(secret("t1", "ONE", labels), sealed(1));
    await store.createSecret(secret("t1", "TWO", { "app.kubernetes.io/name": "web" }), sealed(1));
    for (const [key, value] of Object.entries(labels)) {
      const page = await store.listSecrets("t1", { limit: 10, includeArchived: false, labels: { [key]: value } });
      expect(
        page.items.map((s) => s.name),
        key,
      ).toEqual(["ONE"]);
    }
  });

  it("rejects a page cursor it did not make as INVALID_ARGUMENT", async () => {
    const store = open(join(dir, "store.db"));
    for (const cursor of ["not base64url!", "", Buffer.from("x").toString("base64")]) {
      const listing = store.listSecrets("t1", { limit: 10, cursor, includeArchived: false });
      await expect(listing).rejects.toBeInstanceOf(ServiceError);
      await expect(listing).rejects.toMatchObject({
        reason: "INVALID_ARGUMENT",
        fieldViolations: [{ field: "page_token", reason: "INVALID_PAGE_TOKEN" }],
      });
    }
    const versions = store.listSecretVersions("t1", "s", { limit: 1, cursor: Buffer.from("-1").toString("base64url") });
    await expect(versions).rejects.toMatchObject({ reason: "INVALID_ARGUMENT" });
  });
});
