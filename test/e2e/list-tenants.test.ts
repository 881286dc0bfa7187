/**
 * ListTenants: the platform admin's view of every tenant (the console's
 * tenant switch), paged by id; a tenant row written straight into the store
 * is left out and reported, never listed.
 */
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { errorOf } from "../support/call-status.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";
import { editStoreFile } from "../security/store-file.js";

const running: TestService[] = [];
afterEach(async () => {
  for (const svc of running.splice(0).reverse()) await svc.cleanup();
});

async function start(dataDir?: string): Promise<TestService> {
  const svc = await startTestService(dataDir ? { dataDir } : {});
  running.push(svc);
  return svc;
}

describe("ListTenants", () => {
  it("pages every tenant by id for the platform admin, and refuses a tenant admin", async () => {
    const svc = await start();
    const platform = connectClients(svc.address, svc.adminToken);
    const created = await platform.admin.createTenant({ tenantId: "beta", displayName: "Beta" });
    await platform.admin.createTenant({ tenantId: "alpha" });
    const ids: string[] = [];
    let pageToken = "";
    do {
      const page = await platform.admin.listTenants({ pageSize: 1, pageToken });
      expect(page.tenants.length).toBe(1);
      ids.push(...page.tenants.map((t) => t.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(ids).toEqual(["alpha", "beta", "default"]);
    const { tenants } = await platform.admin.listTenants({});
    expect(tenants.find((t) => t.id === "beta")).toMatchObject({ displayName: "Beta" });

    const tenantAdmin = connectClients(svc.address, created.adminTokenSecret);
    expect((await errorOf(tenantAdmin.admin.listTenants({})))?.code).toBe(Code.PermissionDenied);
  });

  it("leaves out a tenant row inserted into the store directly, and logs it", async () => {
    const first = await start();
    await first.stop();
    editStoreFile(first.dataDir, (db) =>
      db.prepare("INSERT INTO tenants (id, display_name, create_time, mac) VALUES ('forged', 'Forged', 0, 'bm90LWEtbWFj')").run(),
    );
    const svc = await start(first.dataDir);
    const { tenants } = await connectClients(svc.address, svc.adminToken).admin.listTenants({});
    expect(tenants.map((t) => t.id)).toEqual(["default"]);
    expect(svc.logs()).toMatch(/"record":"tenant".*integrity check/);
  });
});
