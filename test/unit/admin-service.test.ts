/**
 * The admin rules without a server or a database: tokens minted once and
 * stored as hashes, roles limited to what the caller may manage (a token it
 * may not manage reads as missing), consumers given only to active tokens,
 * and a tenant's first admin token revoked again when its id is lost.
 */
import { describe, expect, it } from "vitest";
import { hashApiToken } from "../../services/auth/api-tokens.js";
import { adminService } from "../../services/admin/admin-service.js";
import type { Role } from "../../services/domain/permissions.js";
import type { ServiceCall } from "../../services/domain/service-call.js";
import { InMemorySecrets } from "../support/fakes/in-memory-secrets.js";
import { InMemoryTokens } from "../support/fakes/in-memory-tokens.js";
import { serviceFailure } from "../support/service-failure.js";

const TENANT = "acme";
const as = (role: Role): ServiceCall => ({
  tenantId: TENANT,
  tokenId: `tok_${role.toLowerCase()}`,
  role,
  allowedSecretPatterns: [],
  audit: { resources: [] },
});

function setUp() {
  const tokens = new InMemoryTokens();
  const consumers = new InMemorySecrets();
  const keys: string[] = [];
  const unused = (): never => {
    throw new Error("not used by these tests");
  };
  const store = Object.assign(tokens, {
    setConsumerOwner: consumers.setConsumerOwner.bind(consumers),
    listAuditEvents: unused,
    countCiphertextsBelow: unused,
    listCiphertextsBelow: unused,
    replaceCiphertext: unused,
    raiseMinKeyVersion: unused,
  });
  const cipher = {
    createTenantKey: async (tenantId: string) => void keys.push(tenantId),
    rotateTenantKey: unused,
    minDecryptionVersion: unused,
    rewrap: unused,
    retireKeyVersionsBelow: unused,
  };
  const revoked: string[] = [];
  const admin = adminService({ store, cipher, onTokenRevoked: (id) => revoked.push(id) });
  return { admin, tokens, consumers, keys, revoked };
}

const workloadToken = { displayName: "app", role: "WORKLOAD" as const, allowedSecretPatterns: ["APP_*"], allowedConsumerPatterns: [] };

describe("admin service: API tokens", () => {
  it("mints a token whose secret is returned once and only its hash stored", async () => {
    const { admin, tokens } = setUp();
    const call = as("ADMIN");
    const { token, secret } = await admin.createApiToken(call, workloadToken);
    expect(tokens.tokens).toEqual([token]);
    expect(token.hash).toBe(hashApiToken(secret));
    expect(JSON.stringify(tokens.tokens)).not.toContain(secret);
    expect(call.audit.resources).toEqual([token.id]);
  });

  it("collects every problem of a token request before minting anything", async () => {
    const { admin, tokens } = setUp();
    const error = await serviceFailure(
      admin.createApiToken(as("ADMIN"), {
        displayName: "x",
        role: "VIEWER",
        allowedSecretPatterns: ["DB"],
        allowedConsumerPatterns: ["svc/*"],
        expireTime: new Date(Date.now() - 1000),
      }),
    );
    expect(error.fieldViolations.map((v) => [v.field, v.reason])).toEqual([
      ["allowed_secret_patterns", "PATTERNS_NOT_ALLOWED"],
      ["allowed_consumer_patterns", "PATTERNS_NOT_ALLOWED"],
      ["expire_time", "EXPIRY_IN_PAST"],
    ]);
    expect(tokens.tokens).toEqual([]);
  });

  it("lets an admin neither list nor revoke a platform-admin token: it reads as missing", async () => {
    const { admin, tokens, revoked } = setUp();
    await tokens.createApiToken({
      tenantId: TENANT,
      id: "tok_root",
      hash: "h",
      displayName: "root",
      role: "PLATFORM_ADMIN",
      allowedSecretPatterns: [],
      createTime: new Date(),
      createdBy: "",
    });
    const { token } = await admin.createApiToken(as("ADMIN"), workloadToken);
    const listed = await admin.listApiTokens(as("ADMIN"), { pageSize: 0, pageToken: "", includeInactive: true });
    expect(listed.items.map((t) => t.id)).toEqual([token.id]);
    expect(await serviceFailure(admin.revokeApiToken(as("ADMIN"), "tok_root"))).toMatchObject({ reason: "TOKEN_NOT_FOUND" });
    expect(tokens.tokens[0]!.revokeTime).toBeUndefined();

    expect((await admin.revokeApiToken(as("ADMIN"), token.id)).revokeTime).toBeInstanceOf(Date);
    expect(revoked).toEqual([token.id]);
  });
});

describe("admin service: tenants and consumers", () => {
  it("creates a tenant's key, then its admin token, then the tenant; a taken id is TENANT_EXISTS", async () => {
    const { admin, keys, tokens } = setUp();
    const created = await admin.createTenant(as("PLATFORM_ADMIN"), "beta", "Beta");
    expect(keys).toEqual(["beta"]);
    expect(created.adminToken).toMatchObject({ tenantId: "beta", role: "ADMIN", createdBy: "tok_platform_admin" });
    expect(created.adminToken.hash).toBe(hashApiToken(created.adminTokenSecret));
    expect(await serviceFailure(admin.createTenant(as("PLATFORM_ADMIN"), "beta", "Again"))).toMatchObject({ reason: "TENANT_EXISTS" });
    expect(tokens.tokens).toHaveLength(1);
  });

  it("gives a consumer only to an active token of the tenant", async () => {
    const { admin, consumers } = setUp();
    const { token } = await admin.createApiToken(as("ADMIN"), workloadToken);
    await consumers.setConsumerReferences(TENANT, "svc/web", [], new Date());
    await consumers.createSecret(
      {
        tenantId: TENANT,
        id: "s1",
        name: "APP_KEY",
        nameKey: "app_key",
        displayName: "",
        description: "",
        labels: {},
        type: "TOKEN",
        createTime: new Date(),
      },
      { version: 1, ciphertext: new Uint8Array(1), keyVersion: 1, createTime: new Date(), createdBy: "t" },
    );
    await consumers.setConsumerReferences(TENANT, "svc/web", [{ reference: "$<secret.APP_KEY>", nameKey: "app_key" }], new Date());

    const call = as("ADMIN");
    const moved = await admin.reassignConsumer(call, "svc/web", token.id);
    expect(moved.owner).toEqual({ tokenId: token.id });
    expect(call.audit).toMatchObject({ consumerId: "svc/web", resources: [token.id] });

    await admin.revokeApiToken(as("ADMIN"), token.id);
    expect(await serviceFailure(admin.reassignConsumer(as("ADMIN"), "svc/web", token.id))).toMatchObject({ reason: "TOKEN_NOT_FOUND" });
    expect(await serviceFailure(admin.reassignConsumer(as("ADMIN"), "svc/none", "tok_admin"))).toMatchObject({ reason: "TOKEN_NOT_FOUND" });
  });
});
