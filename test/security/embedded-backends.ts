/** The embedded backends (SQLite store, local keyring) in a fresh directory, for tests at the rotation seam. */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalKeyringCipher } from "../../services/adapters/local-keyring/local-keyring-cipher.js";
import { SqliteMetadataStore } from "../../services/adapters/sqlite/sqlite-metadata-store.js";

/** Opens both with a key for `tenantId`; `cleanups` gets what closes and removes them. */
export async function openEmbeddedBackends(tenantId: string, cleanups: (() => Promise<void>)[]) {
  const dir = await mkdtemp(join(tmpdir(), "embedded-backends-"));
  const store = SqliteMetadataStore.open(join(dir, "secrets.db"));
  const cipher = await LocalKeyringCipher.open({ masterKey: randomBytes(32), keyringPath: join(dir, "keyring.json") });
  cleanups.push(async () => {
    await store.close();
    await cipher.close();
    await rm(dir, { recursive: true, force: true });
  });
  await cipher.createTenantKey(tenantId);
  return { store, cipher };
}
