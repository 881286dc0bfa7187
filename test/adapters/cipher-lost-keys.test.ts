/**
 * The docker compose failure of a dev-mode Vault: after a restart Vault has
 * lost its transit keys while MongoDB kept the tenants. The service must say
 * so at start, in words an operator can act on. The Vault stand-in answers a
 * missing key's read with Vault's bare 404.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bootstrapDefaultTenant } from "../../services/admin/tenant-setup.js";
import { SqliteMetadataStore } from "../../services/adapters/sqlite/sqlite-metadata-store.js";
import { VaultTransitCipher } from "../../services/adapters/vault-transit/vault-transit-cipher.js";
import type { Logger } from "../../services/logger.js";
import { VaultTransitStandIn } from "./vault-transit-stand-in.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function vault(): Promise<VaultTransitCipher> {
  const standIn = new VaultTransitStandIn();
  const address = await standIn.start();
  const cipher = await VaultTransitCipher.connect({ address, auth: { method: "token", token: "test-root-token" } });
  cleanups.push(async () => {
    await cipher.close();
    await standIn.stop();
  });
  return cipher;
}

function recordingLogger() {
  const errors: { fields: unknown; message: string }[] = [];
  const logger = {
    info: () => undefined,
    warn: () => undefined,
    error: (fields: unknown, message: string) => errors.push({ fields, message }),
  };
  return { logger: logger as unknown as Logger, errors };
}

it("says at start that a tenant's key is missing in Vault when the store kept the tenant (a restarted dev-mode Vault)", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "lost-keys-"));
  const store = SqliteMetadataStore.open(join(dataDir, "secrets.db"));
  cleanups.push(async () => store.close());

  const first = recordingLogger();
  await bootstrapDefaultTenant(store, await vault(), dataDir, first.logger);
  await bootstrapDefaultTenant(store, await vault().then(async (v) => (await v.createTenantKey("default"), v)), dataDir, first.logger);
  expect(first.errors).toEqual([]);

  const afterRestart = recordingLogger();
  await bootstrapDefaultTenant(store, await vault(), dataDir, afterRestart.logger);
  expect(afterRestart.errors).toHaveLength(1);
  expect(afterRestart.errors[0]!.fields).toEqual({ tenantId: "default" });
  expect(afterRestart.errors[0]!.message).toContain(
    'tenant "default" exists in the metadata store but its key is missing in the cipher backend',
  );
});
