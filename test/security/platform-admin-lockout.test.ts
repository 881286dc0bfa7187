/**
 * Finding 6: a tenant admin listed the platform-admin token and revoked it,
 * and nothing could mint another. Now a caller manages only tokens of roles
 * it could create, and an offline break-glass command, run on the host with
 * the service's configuration, mints a new platform-admin token into a 0600
 * file.
 */
import { Code } from "@connectrpc/connect";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { breakGlass } from "../../services/admin/break-glass.js";
import { createLogger } from "../../services/logger.js";
import { statusOf } from "../support/call-status.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { mint } from "./support.js";

let svc: TestService;
let platform: ConnectClients;
let platformTokenId: string;

beforeAll(async () => {
  svc = await startTestService();
  platform = connectClients(svc.address, svc.adminToken);
  const { apiTokens } = await platform.admin.listApiTokens({});
  platformTokenId = apiTokens.find((t) => t.role === Role.PLATFORM_ADMIN)!.id;
});
afterAll(async () => {
  await svc?.cleanup();
});

describe("a tenant admin", () => {
  it("neither sees nor revokes the platform-admin token", async () => {
    const tenantAdmin = await mint(svc, platform, Role.ADMIN);
    const { apiTokens } = await tenantAdmin.clients.admin.listApiTokens({ includeInactive: true });
    expect(apiTokens.map((t) => t.role)).not.toContain(Role.PLATFORM_ADMIN);
    expect(await statusOf(tenantAdmin.clients.admin.revokeApiToken({ tokenId: platformTokenId }))).toBe(Code.NotFound);
    expect(await statusOf(platform.secrets.listSecrets({}))).toBe("OK");
    // Tokens of roles it could create stay its to manage.
    const viewer = await mint(svc, platform, Role.VIEWER);
    expect(await statusOf(tenantAdmin.clients.admin.revokeApiToken({ tokenId: viewer.id }))).toBe("OK");
  });
});

describe("secrets-service break-glass", () => {
  it("mints a platform-admin token into a new 0600 file, offline, with the service's configuration", async () => {
    await svc.stop();
    const out = join(svc.dataDir, "break-glass.token");
    const logger = createLogger({ level: "silent" });
    const minted = await breakGlass(svc.config, out, logger);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    // It never overwrites a file.
    await expect(breakGlass(svc.config, out, logger)).rejects.toThrow(/exists/);

    const restarted = await startTestService({ dataDir: svc.dataDir });
    try {
      const token = (await readFile(out, "utf8")).trim();
      const rescued = connectClients(restarted.address, token);
      const { apiTokens } = await rescued.admin.listApiTokens({});
      expect(apiTokens.find((t) => t.id === minted.tokenId)?.role).toBe(Role.PLATFORM_ADMIN);
      expect(await statusOf(rescued.admin.createTenant({ tenantId: "rescued-tenant" }))).toBe("OK");
    } finally {
      await restarted.stop();
    }
  });
});
