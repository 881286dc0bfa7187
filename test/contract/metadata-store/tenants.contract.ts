/** The MetadataStore contract: tenants. */
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore, TenantRecord } from "../../../services/ports/metadata-store.js";
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

    it("lists every tenant by id, paged, each exactly once", async () => {
      const ours = [newTenantId(), newTenantId(), newTenantId()];
      for (const id of ours) await store.createTenant({ id, displayName: `T ${id}`, createTime: at(5) });
      const seen: TenantRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listTenants({ limit: 2, ...(cursor && { cursor }) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      const ids = seen.map((t) => t.id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      expect(seen.filter((t) => ours.includes(t.id))).toEqual(
        [...ours].sort().map((id) => ({ id, displayName: `T ${id}`, createTime: at(5) })),
      );
    });
  });
}
