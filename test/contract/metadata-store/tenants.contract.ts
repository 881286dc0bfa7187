/** The MetadataStore contract: tenants. */
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { at, newTenantId, type StoreContract } from "./fixtures.js";

export function describeTenantsContract(contract: StoreContract): void {
  describe("tenants", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("creates a tenant once and reads it back", async () => {
      const tenant = { id: newTenantId(), displayName: "Acme", createTime: at(5) };
      expect(await store.createTenant(tenant)).toBe(true);
      expect(await store.createTenant({ ...tenant, displayName: "Other" })).toBe(false);
      expect(await store.getTenant(tenant.id)).toEqual(tenant);
      expect(await store.getTenant(newTenantId())).toBeUndefined();
    });
  });
}
