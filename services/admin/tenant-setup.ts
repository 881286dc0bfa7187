/**
 * The default tenant at first start (created as tenants.ts creates any), and
 * the check that every tenant's key is still in the cipher backend.
 */
import { join } from "node:path";
import { TenantKeyNotFoundError, type Cipher } from "../ports/cipher.js";
import type { Logger } from "../logger.js";
import { replaceFileAtomically } from "../../kernel/private-files.js";
import { createTenant, type TenantSetupStore } from "./tenants.js";

export const DEFAULT_TENANT_ID = "default";
export const BOOTSTRAP_TOKEN_FILE = "bootstrap-admin.token";

/**
 * On first start, creates the default tenant and a platform-admin token, and
 * writes the token to a 0600 file in the data directory. Logs only the path.
 */
export async function bootstrapDefaultTenant(store: TenantSetupStore, cipher: Cipher, dataDir: string, logger: Logger): Promise<void> {
  if (await store.getTenant(DEFAULT_TENANT_ID)) return reportMissingTenantKey(cipher, DEFAULT_TENANT_ID, logger);
  const path = join(dataDir, BOOTSTRAP_TOKEN_FILE);
  const created = await createTenant(
    store,
    cipher,
    { id: DEFAULT_TENANT_ID, displayName: "Default tenant", adminRole: "PLATFORM_ADMIN", createdBy: "" },
    (secret) => replaceFileAtomically(path, Buffer.from(`${secret}\n`, "utf8")),
  );
  if (!created) return;
  logger.info({ path, tokenId: created.adminToken.id }, "first start: default tenant created; its platform-admin token is in this file");
}

/**
 * A tenant in the store whose key the cipher backend lacks can open none of
 * its values: the cipher's data was lost or is another one (a dev-mode Vault
 * restarted, a new Vault, another transit mount or key prefix). Said at start,
 * in words an operator can act on, rather than as a failure of every call.
 */
async function reportMissingTenantKey(cipher: Cipher, tenantId: string, logger: Logger): Promise<void> {
  try {
    await cipher.latestKeyVersion(tenantId);
  } catch (error) {
    if (!(error instanceof TenantKeyNotFoundError)) throw error;
    logger.error(
      { tenantId },
      `tenant "${tenantId}" exists in the metadata store but its key is missing in the cipher backend: none of its values can be read or written. ` +
        "The cipher's data was lost or this is another one (a restarted dev-mode Vault, another Vault, transit mount or key prefix); restore it",
    );
  }
}
