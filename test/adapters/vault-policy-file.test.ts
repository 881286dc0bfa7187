/** The Vault policy shipped for docker compose and shown in the README is the one the code generates: they cannot drift. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { vaultTransitPolicy } from "../../services/adapters/vault-transit/vault-policy.js";

describe("deploy/vault-policy.hcl", () => {
  it("is exactly the generated least-privilege policy for the default mount and prefix", () => {
    const shipped = readFileSync(new URL("../../deploy/vault-policy.hcl", import.meta.url), "utf8");
    expect(shipped).toBe(vaultTransitPolicy({}));
    expect(shipped).toContain('path "transit/encrypt/secrets-tenant-*"');
  });

  it("is the policy the README's production section shows", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain("```hcl\n" + vaultTransitPolicy({}) + "```\n");
  });
});
