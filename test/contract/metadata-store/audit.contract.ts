/** The MetadataStore contract: audit events. */
import { beforeEach, describe, expect, it } from "vitest";
import type { AuditEventRecord, MetadataStore } from "../../../services/ports/metadata-store.js";
import { at, newTenantId, auditEvent, allPages, newSecret, sealed, type StoreContract } from "./fixtures.js";

export function describeAuditContract(contract: StoreContract): void {
  describe("audit", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("lists events newest first by id, every field kept", async () => {
      const tenant = newTenantId();
      const events = [
        auditEvent(tenant, 2, { version: 3, consumerId: "svc/a", resources: ["A", "B"] }),
        auditEvent(tenant, 3, { outcome: "DENIED", statusCode: "PERMISSION_DENIED" }),
        auditEvent(tenant, 1, { resources: [] }),
      ];
      await store.appendAuditEvents(events);
      await store.appendAuditEvents([]);
      await store.appendAuditEvents([auditEvent(newTenantId(), 4)]);
      const listed = await store.listAuditEvents(tenant, { limit: 10 });
      expect(listed).toEqual({ items: [events[1], events[0], events[2]] });
    });

    it("filters by action, resource (case-insensitively), actor, outcome and time, across pages", async () => {
      const tenant = newTenantId();
      const events: AuditEventRecord[] = [];
      for (let i = 0; i < 40; i++)
        events.push(
          auditEvent(tenant, i, {
            action: i % 2 === 0 ? "secrets.v1.SecretsService/DeleteSecret" : "secrets.v1.SecretsService/GetSecret",
            resources: i % 3 === 0 ? ["Db_Password", "OTHER"] : ["API_KEY"],
            actorTokenId: i % 5 === 0 ? "tok-b" : "tok-a",
            outcome: i % 7 === 0 ? "DENIED" : "SUCCESS",
          }),
        );
      await store.appendAuditEvents(events);
      const newestFirst = [...events].reverse();
      const listAll = (query: Omit<Parameters<MetadataStore["listAuditEvents"]>[1], "limit" | "cursor">) =>
        Promise.all([1, 3, 100].map((limit) => allPages(limit, (cursor) => store.listAuditEvents(tenant, { ...query, limit, cursor }))));
      const expectEach = async (query: Parameters<typeof listAll>[0], keep: (event: AuditEventRecord) => boolean) => {
        const expected = newestFirst.filter(keep);
        expect(expected.length).toBeGreaterThan(0);
        for (const listed of await listAll(query)) expect(listed.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      };

      await expectEach({ action: "secrets.v1.SecretsService/DeleteSecret" }, (e) => e.action.endsWith("DeleteSecret"));
      await expectEach({ resource: "DB_PASSWORD" }, (e) => e.resources.includes("Db_Password"));
      await expectEach({ actorTokenId: "tok-b" }, (e) => e.actorTokenId === "tok-b");
      await expectEach({ outcome: "DENIED" }, (e) => e.outcome === "DENIED");
      // Start inclusive, end exclusive.
      await expectEach({ startTime: at(10_000), endTime: at(20_000) }, (e) => {
        const ms = e.time.getTime();
        return ms >= at(10_000).getTime() && ms < at(20_000).getTime();
      });
      await expectEach(
        { action: "secrets.v1.SecretsService/DeleteSecret", resource: "db_password", startTime: at(5_000) },
        (e) => e.action.endsWith("DeleteSecret") && e.resources.includes("Db_Password") && e.time >= at(5_000),
      );
      expect((await store.listAuditEvents(tenant, { limit: 10, resource: "db_pass" })).items).toEqual([]);
    });

    it("stores a version's audit event in the version's own transaction, and only when the version is stored", async () => {
      const tenant = newTenantId();
      const secret = newSecret(tenant, "AUDITED_WRITE");
      const created = auditEvent(tenant, 1, { resources: ["AUDITED_WRITE"], version: 1 });
      expect(await store.createSecret(secret, { ...sealed(1), auditEvent: created })).toBeDefined();
      const taken = auditEvent(tenant, 2, { resources: ["AUDITED_WRITE"], version: 1 });
      expect(await store.createSecret(newSecret(tenant, "audited_write"), { ...sealed(1), auditEvent: taken })).toBeUndefined();
      const conflicting = auditEvent(tenant, 3, { resources: ["AUDITED_WRITE"], version: 3 });
      expect(await store.addSecretVersion(tenant, secret.id, { ...sealed(3), auditEvent: conflicting }, 5)).toMatchObject({
        outcome: "CONFLICT",
      });
      const updated = auditEvent(tenant, 4, { resources: ["AUDITED_WRITE"], version: 2 });
      expect(await store.addSecretVersion(tenant, secret.id, { ...sealed(2), auditEvent: updated }, 5)).toMatchObject({ outcome: "OK" });
      expect(await store.listAuditEvents(tenant, { limit: 10 })).toEqual({ items: [updated, created] });
    });
  });
}
