/**
 * Creating a tenant, by the API or at first start: its key first (so no
 * record ever exists without one), then its first admin token, then the
 * tenant record, which marks the set-up complete.
 */
import { join } from "node:path";
import { mintApiToken } from "../auth/api-tokens.js";
import type { Role } from "../domain/permissions.js";
import { TenantKeyNotFoundError, type Cipher } from "../ports/cipher.js";
import type { ApiTokenRecord, ApiTokenStore } from "../ports/api-token-store.js";
import type { TenantRecord, TenantStore } from "../ports/tenant-store.js";
import type { Logger } from "../logger.js";
import { replaceFileAtomically } from "../../kernel/private-files.js";

/** What setting a tenant up writes: the tenant and its first admin token (revoked again if the id is lost to a race). */
export type TenantSetupStore = TenantStore & Pick<ApiTokenStore, "createApiToken" | "revokeApiToken">;

export interface NewTenant {
  tenant: TenantRecord;
  adminToken: ApiTokenRecord;
  /** The bearer token: shown once. */
  adminTokenSecret: string;
}

/** Returns undefined when the tenant id is taken. */
export async function createTenant(
  store: TenantSetupStore,
  cipher: Cipher,
  input: { id: string; displayName: string; adminRole: Role; createdBy: string },
  /** Runs before the tenant record is written, so a crash cannot leave a tenant whose token was never kept. */
  keepToken?: (secret: string) => Promise<void>,
): Promise<NewTenant | undefined> {
  if (await store.getTenant(input.id)) return undefined;
  const now = new Date();
  await cipher.createTenantKey(input.id);
  const minted = mintApiToken();
  const adminToken: ApiTokenRecord = {
    tenantId: input.id,
    id: minted.id,
    hash: minted.hash,
    displayName: `${input.id} admin`,
    role: input.adminRole,
    allowedSecretPatterns: [],
    createTime: now,
    createdBy: input.createdBy,
  };
  await store.createApiToken(adminToken);
  await keepToken?.(minted.secret);
  const tenant: TenantRecord = { id: input.id, displayName: input.displayName, createTime: now };
  if (!(await store.createTenant(tenant))) {
    // Lost a race for the same id: the token must not outlive the attempt.
    await store.revokeApiToken(input.id, adminToken.id, now);
    return undefined;
  }
  return { tenant, adminToken, adminTokenSecret: minted.secret };
}

export const DEFAULT_TENANT_ID = "default";
export const BOOTSTRAP_TOKEN_FILE = "bootstrap-admin.token";

/**
 * On first start, creates the default tenant and a platform-admin token, and
 * writes the token to a 0600 file in the data directory. Logs only the path.
 */
export async function bootstrapDefaultTenant(
  store: TenantSetupStore,
  cipher: Cipher,
  dataDir: string,
  logger: Logger,
): Promise<void> {
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
