/** The tenant id rule, which also has to make valid Vault transit key names (prefix + tenant id). */
import { describe, expect, it } from "vitest";
import type { FieldViolation } from "../../kernel/field-violation.js";
import { checkTenantId } from "../../kernel/names.js";
import { DEFAULT_KEY_PREFIX } from "../../services/adapters/vault-transit/vault-transit-options.js";

/** Vault's framework.GenericNameRegex, which names transit keys. */
const VAULT_KEY_NAME = /^\w(([\w\-.]+)?\w)?$/;

const violations = (id: string): FieldViolation[] => {
  const into: FieldViolation[] = [];
  checkTenantId("tenant_id", id, into);
  return into;
};

describe("tenant ids", () => {
  it("refuses an id ending in '-', which would make a transit key name Vault rejects", () => {
    for (const id of ["acme-", "a-", "team--"]) {
      expect(violations(id)).toEqual([expect.objectContaining({ reason: "INVALID_TENANT_ID" })]);
      expect(violations(id)[0]!.description).toContain("ending with a letter or digit");
    }
  });

  it("accepts 1-64 lower-case letters, digits and '-', starting with a letter, each a valid Vault key name with the default prefix", () => {
    for (const id of ["a", "acme", "team-7", "a".repeat(64), "x-y-z9"]) {
      expect(violations(id)).toEqual([]);
      expect(`${DEFAULT_KEY_PREFIX}${id}`).toMatch(VAULT_KEY_NAME);
    }
    for (const id of ["", "7up", "Acme", "a".repeat(65), "acme_corp", "-acme"]) expect(violations(id)).toHaveLength(1);
  });
});
