/**
 * The web console's admin pages in a real browser: API tokens (pattern
 * preview, shown once), audit, key rotation with progress, tenants, bulk
 * import; axe-core on each page, and screenshots as test artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, type ConnectClients } from "../support/service.js";
import {
  expectNoSeriousAxeViolations,
  pageText,
  screenshot,
  startConsole,
  UI_TEST_TIMEOUT_MS,
  type ConsoleHarness,
} from "./support/console-browser.js";

let h: ConsoleHarness;
let admin: ConnectClients;

beforeAll(async () => {
  h = await startConsole();
  admin = connectClients(h.svc.address, h.svc.adminToken);
  for (const name of ["DB_ORDERS", "DB_USERS", "GRAFANA_KEY"])
    await admin.secrets.createSecret({ name, type: SecretType.TOKEN, value: { kind: { case: "token", value: `v-${name}` } } });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe("the web console: admin pages", { timeout: UI_TEST_TIMEOUT_MS }, () => {
  it("creates a workload token with a preview of what its patterns match and its consumer ids, shows it once, and revokes it", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByLabel("Name", { exact: true }).fill("orders workload");
    await page.getByLabel("Role").selectOption({ label: "Workload: resolves the secrets its patterns name" });
    await page.getByLabel("Allowed secret names").fill("db_*");
    await expect.poll(() => page.locator("ul.matches li").allTextContents()).toEqual(["DB_ORDERS", "DB_USERS"]);
    await page.getByLabel("Allowed consumer ids (optional)").fill("service/*a*b*c*d*");
    await page.getByText(/"service\/\*a\*b\*c\*d\*": pattern may hold at most \d+ '\*'/).waitFor();
    await page.getByLabel("Allowed consumer ids (optional)").fill("service/orders*");
    await expectNoSeriousAxeViolations(page, "the tokens page");
    await page.getByRole("button", { name: "Create token" }).click();
    const once = page.getByRole("region", { name: "New API token" });
    const secret = (await once.locator("code.secret-once").textContent())!;
    expect(secret).toMatch(/^sst_/);
    expect((await connectClients(h.svc.address, secret).admin.getCaller({})).role).toBe(Role.WORKLOAD);
    const { apiTokens } = await connectClients(h.svc.address, h.svc.adminToken).admin.listApiTokens({});
    expect(apiTokens.find((t) => t.displayName === "orders workload")?.allowedConsumerPatterns).toEqual(["service/orders*"]);
    await page.getByRole("cell", { name: "service/orders*" }).waitFor();
    await once.getByRole("button", { name: "I have stored it" }).click();
    await page.getByRole("button", { name: "Create token" }).waitFor();
    // Only once the token is gone from the page: no secret in a screenshot.
    await screenshot(page, "tokens");
    expect(await pageText(page)).not.toContain(secret);

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Revoke orders workload" }).click();
    await expect(connectClients(h.svc.address, secret).admin.getCaller({})).rejects.toThrow(/not valid/);
    await page.context().close();
  });

  it("lists audit events filtered by outcome", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "Audit" }).click();
    await page.locator("tbody tr").first().waitFor();
    await page.getByLabel("Action").selectOption({ label: "CreateSecret" });
    await expect
      .poll(async () => new Set(await page.locator("tbody tr td:nth-child(2)").allTextContents()))
      .toEqual(new Set(["CreateSecret"]));
    await expectNoSeriousAxeViolations(page, "the audit page");
    await screenshot(page, "audit");
    await page.context().close();
  });

  it("rotates the tenant key and shows the rewrap finishing", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByRole("button", { name: "Rotate the key" }).click();
    await page.getByText(/Key version 2: \d+ of \d+ stored values re-encrypted — done\./).waitFor();
    await expectNoSeriousAxeViolations(page, "the keys page");
    await page.context().close();
  });

  it("lets a platform admin create a tenant, shows its admin token once, and switch to it", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "Tenants" }).click();
    await expectNoSeriousAxeViolations(page, "the tenants page");
    await page.getByLabel("Tenant id").fill("Bad Id");
    await page.getByRole("button", { name: "Create tenant" }).click();
    await page.locator("#tenant-id-error").getByText("lower-case").waitFor();
    await page.getByLabel("Tenant id").fill("team-blue");
    await page.getByRole("button", { name: "Create tenant" }).click();
    const once = page.getByRole("region", { name: "New tenant's admin token" });
    const token = (await once.locator("code.secret-once").textContent())!;
    await once.getByRole("button", { name: "I have stored it" }).click();
    expect(await pageText(page)).not.toContain(token);
    await page.getByLabel("Tenant", { exact: true }).selectOption("team-blue");
    await page.getByRole("link", { name: "Secrets" }).click();
    await page.getByText("No secrets yet.").waitFor();
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tenants" }).count()).toBe(0);
    await page.context().close();
  });

  it("lists every tenant for a platform admin (ListTenants), and switches to one once its token is added", async () => {
    const red = await admin.admin.createTenant({ tenantId: "team-red", displayName: "Team <b>Red</b>" });
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "Tenants" }).click();
    const row = page.locator('tr[data-tenant="team-red"]');
    expect(await row.locator("td").nth(1).textContent()).toBe("Team <b>Red</b>");
    expect(await page.locator('tr[data-tenant="default"] td').last().textContent()).toBe("Current");
    await row.getByRole("button", { name: "Add a token for team-red" }).click();
    await page.getByLabel("Token for team-red").fill(h.svc.adminToken);
    await page.getByRole("button", { name: "Use this token" }).click();
    await page.getByText("That token belongs to tenant default, not team-red.").waitFor();
    await expectNoSeriousAxeViolations(page, "the tenants page adding a token");
    await page.getByLabel("Token for team-red").fill(red.adminTokenSecret);
    await page.getByRole("button", { name: "Use this token" }).click();
    await expect.poll(() => page.locator("#tenant-switch").inputValue()).toBe("team-red");
    expect(await pageText(page)).not.toContain(red.adminTokenSecret);
    await page.context().close();
  });

  it("imports pasted KEY=VALUE lines: preview of new and existing, one result per row, text cleared", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "Import" }).click();
    await page.getByLabel("Paste KEY=VALUE lines or JSON").fill("NEW_ONE=imp-new-1\nGRAFANA_KEY=imp-rot-2\n9BAD=imp-bad-3\n");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByText("Line 3 (9BAD): name must start").waitFor();
    expect(await page.locator('tr[data-import-row="NEW_ONE"] td').last().textContent()).toBe("new: will be created");
    expect(await page.locator('tr[data-import-row="GRAFANA_KEY"] td').last().textContent()).toBe("exists: its value will be rotated");
    await expectNoSeriousAxeViolations(page, "the import page");
    await page.getByRole("button", { name: "Import 2 secret(s)" }).click();
    await page.locator('tr[data-import-result="GRAFANA_KEY"]').getByText("rotated (version 2)").waitFor();
    // Only once the pasted text is cleared: no value in a screenshot.
    await screenshot(page, "import");
    expect(await page.locator('tr[data-import-result="NEW_ONE"] td').last().textContent()).toBe("created (version 1)");
    const text = await pageText(page);
    for (const value of ["imp-new-1", "imp-rot-2", "imp-bad-3"]) expect(text).not.toContain(value);
    await page.context().close();
  });

  it("forgets a preview once the pasted text is edited, so only previewed text is imported", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "Import" }).click();
    const pasted = page.getByLabel("Paste KEY=VALUE lines or JSON");
    await pasted.fill("EDITED_AWAY=imp-old-4\n");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByRole("button", { name: "Import 1 secret(s)" }).waitFor();
    await pasted.fill("");
    await page.getByRole("button", { name: "Import 1 secret(s)" }).waitFor({ state: "detached" });
    expect(await pageText(page)).not.toContain("imp-old-4");
    await page.context().close();
  });

  it("imports a .env file dropped on the drop zone", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("link", { name: "Import" }).click();
    // What a drag from the file manager delivers: a DataTransfer holding the file.
    const dropped = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["# from a file\\nexport DROPPED_ONE=drop-val-1\\nDB_USERS='drop-val-2'\\n"], "app.env", { type: "text/plain" }));
      return transfer;
    })()`);
    await page.locator(".dropzone").dispatchEvent("drop", { dataTransfer: dropped });
    expect(await page.locator('tr[data-import-row="DROPPED_ONE"] td').last().textContent()).toBe("new: will be created");
    expect(await page.locator('tr[data-import-row="DB_USERS"] td').last().textContent()).toBe("exists: its value will be rotated");
    await page.getByRole("button", { name: "Import 2 secret(s)" }).click();
    await page.locator('tr[data-import-result="DROPPED_ONE"]').getByText("created (version 1)").waitFor();
    expect(await page.locator('tr[data-import-result="DB_USERS"] td').last().textContent()).toBe("rotated (version 2)");
    const text = await pageText(page);
    for (const value of ["drop-val-1", "drop-val-2"]) expect(text).not.toContain(value);
    expect((await admin.secrets.getSecret({ name: "DROPPED_ONE" })).secret?.version).toBe(1n);
    await page.context().close();
  });
});
