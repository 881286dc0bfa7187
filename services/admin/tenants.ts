/**
 * Creating a tenant, by the API or at first start: its key first (so no
 * record ever exists without one), then its first admin token, then the
 * tenant record, which marks the set-up complete.
 */
import { mintApiToken } from "../auth/api-tokens.js";
import type { Role } from "../domain/permissions.js";
import type { Cipher } from "../ports/cipher.js";
import type { ApiTokenRecord, ApiTokenStore } from "../ports/api-token-store.js";
import type { TenantRecord, TenantStore } from "../ports/tenant-store.js";

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
  cipher: Pick<Cipher, "createTenantKey">,
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
