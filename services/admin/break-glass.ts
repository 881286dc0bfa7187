/**
 * `secrets-service break-glass --out FILE`: the way back in when no
 * platform-admin token is left. Run on the service's host with its
 * configuration (the same flags and environment, so both stores open); it
 * mints a new platform-admin token in the default tenant, writes it to a new
 * 0600 file (never overwriting one), and logs only the token id. Holding the
 * host's configuration is already holding everything, so this grants no one
 * anything new; it is audited like any token creation.
 */
import { AuditLog } from "../audit/audit-log.js";
import { mintApiToken } from "../auth/api-tokens.js";
import { openBackends } from "../backends.js";
import type { ServiceConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { ApiTokenRecord } from "../ports/metadata-store.js";
import { DEFAULT_TENANT_ID } from "./tenant-setup.js";
import { createFileExclusively } from "../../kernel/private-files.js";

export const BREAK_GLASS_ACTION = "break-glass/CreatePlatformAdminToken";

export async function breakGlass(config: ServiceConfig, out: string, logger: Logger): Promise<{ tokenId: string }> {
  const { store, cipher } = await openBackends(config, logger);
  try {
    if (!(await store.getTenant(DEFAULT_TENANT_ID)))
      throw new Error(`there is no ${DEFAULT_TENANT_ID} tenant in this store: start the service once first`);
    const minted = mintApiToken();
    const now = new Date();
    const token: ApiTokenRecord = {
      tenantId: DEFAULT_TENANT_ID,
      id: minted.id,
      hash: minted.hash,
      displayName: `break-glass ${now.toISOString()}`,
      role: "PLATFORM_ADMIN",
      allowedSecretPatterns: [],
      createTime: now,
      createdBy: "",
    };
    // The file first: a token nobody holds must never be left active.
    if (!(await createFileExclusively(out, Buffer.from(`${minted.secret}\n`, "utf8"))))
      throw new Error(`${out} already exists; choose a new file`);
    await store.createApiToken(token);
    await new AuditLog(store).record({
      tenantId: DEFAULT_TENANT_ID,
      actorTokenId: "",
      action: BREAK_GLASS_ACTION,
      status: "OK",
      note: { resources: [token.id] },
      time: now,
    });
    logger.warn({ tokenId: token.id, path: out }, "break-glass: a new platform-admin token is in this file");
    return { tokenId: token.id };
  } finally {
    await Promise.allSettled([store.close(), cipher.close()]);
  }
}
