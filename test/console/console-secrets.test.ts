/**
 * The web console in a real browser, against a real service: sign-in, the
 * Add drawer for each type, the list and its live updates, details, rotate,
 * archive/restore, delete while in use, escaping, no value left in the page,
 * and axe-core on each page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { join } from "node:path";
import { BOOTSTRAP_TOKEN_FILE } from "../../services/admin/tenant-setup.js";
import { cliRunner } from "../cli/run-secretsctl.js";
import { connectClients } from "../support/service.js";
import {
  expectNoSeriousAxeViolations,
  pageText,
  screenshot,
  startConsole,
  UI_TEST_TIMEOUT_MS,
  UI_TIMEOUT_MS,
  type ConsoleHarness,
} from "./support/console-browser.js";

let h: ConsoleHarness;

beforeAll(async () => {
  h = await startConsole();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe("the web console: secrets", { timeout: UI_TEST_TIMEOUT_MS }, () => {
  it("serves its page with a strict CSP and no inline script", async () => {
    const response = await fetch(h.base);
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style=/);
  });

  it("signs in with an admin token, and refuses a workload token with a clear message", async () => {
    const admin = connectClients(h.svc.address, h.svc.adminToken);
    const { tokenSecret } = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["X_*"] });
    const page = await h.open();
    await expectNoSeriousAxeViolations(page, "sign-in");
    await page.getByLabel("API token").fill(tokenSecret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("workload token");
    expect(await pageText(page)).not.toContain(tokenSecret);
    await page.getByLabel("API token").fill(h.svc.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Secrets" }).waitFor();
    expect(await pageText(page)).not.toContain(h.svc.adminToken);
    await page.context().close();
  });

  it("creates a secret of each type from the Add drawer, and no value stays in the page", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("button", { name: "Add secret" }).click();
    const drawer = page.getByRole("dialog", { name: "Add secret" });
    await expectNoSeriousAxeViolations(page, "the Add secret drawer");
    // The name rule, as you type.
    await drawer.getByLabel("Name", { exact: true }).fill("9_BAD");
    await expect.poll(() => drawer.getByText("must start with a letter or '_'").count()).toBe(1);
    await drawer.getByLabel("Name", { exact: true }).fill("UI_TOKEN");
    await drawer.getByLabel("Token value").fill("tok-value-1f9a");
    await drawer.getByRole("button", { name: "Save secret" }).click();
    await page.getByText("Created UI_TOKEN").waitFor();

    await page.getByRole("button", { name: "Add secret" }).click();
    await drawer.getByLabel("Name", { exact: true }).fill("UI_DB");
    await drawer.getByLabel("Username and password").check();
    await drawer.getByLabel("Username", { exact: true }).fill("orders");
    await drawer.getByLabel("Password", { exact: true }).fill("pw-value-77c2");
    await drawer.getByRole("button", { name: "Save secret" }).click();
    await page.getByText("Created UI_DB").waitFor();

    await page.getByRole("button", { name: "Add secret" }).click();
    await drawer.getByLabel("Name", { exact: true }).fill("UI_JSON");
    await drawer.getByLabel("JSON").check();
    await drawer.getByLabel("JSON value").fill('{"a": 1,');
    await expect.poll(() => drawer.getByText("must be valid JSON").count()).toBe(1);
    await drawer.getByRole("button", { name: "Save secret" }).click();
    expect(await drawer.isVisible()).toBe(true);
    const exact = '{\n  "type": "service_account",  "key": "json-value-5d0e"\n}';
    await drawer.getByLabel("JSON value").fill(exact);
    await expect.poll(() => drawer.getByText("must be valid JSON").count()).toBe(0);
    await drawer.getByRole("button", { name: "Save secret" }).click();
    await page.getByText("Created UI_JSON").waitFor();

    const text = await pageText(page);
    for (const value of ["tok-value-1f9a", "pw-value-77c2", "json-value-5d0e"]) expect(text).not.toContain(value);
    const admin = connectClients(h.svc.address, h.svc.adminToken);
    const { secret } = await admin.secrets.getSecret({ name: "UI_JSON" });
    expect(secret?.type).toBe(SecretType.JSON);
    await page.context().close();
  });

  it("lists name, type, state, updated, last accessed and usage, and updates live after changes made elsewhere (metadata and usage too)", async () => {
    const admin = connectClients(h.svc.address, h.svc.adminToken);
    const page = await h.open(h.svc.adminToken);
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    const headers = await page.locator("table.secrets thead th").allTextContents();
    expect(headers.map((t) => t.trim())).toEqual(["Name", "Type", "State", "Updated", "Last accessed", "Usage"]);
    await admin.secrets.createSecret({
      name: "MADE_ELSEWHERE",
      type: SecretType.TOKEN,
      value: { kind: { case: "token", value: "x-elsewhere" } },
    });
    const row = page.locator('tr[data-secret="MADE_ELSEWHERE"]');
    await row.waitFor();
    expect((await row.locator("td").allTextContents()).slice(1, 3)).toEqual(["Token", "Active"]);
    expect(await row.locator("td").nth(4).textContent()).toBe("never");

    // Metadata edits (here by secretsctl), usage and last access from other clients show too, without a reload.
    const cli = cliRunner({
      SECRETS_ADDR: h.svc.address,
      SECRETS_TOKEN_FILE: join(h.svc.dataDir, BOOTSTRAP_TOKEN_FILE),
      HOME: h.svc.dataDir,
    });
    expect((await cli.run(["edit", "MADE_ELSEWHERE", "--display-name", "Made elsewhere"])).code).toBe(0);
    await row.getByText("Made elsewhere").waitFor();
    const { tokenSecret } = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["MADE_*"] });
    const workload = connectClients(h.svc.address, tokenSecret);
    await workload.resolver.setConsumerReferences({ consumerId: "svc/elsewhere", references: ["$<secret.MADE_ELSEWHERE>"] });
    await expect.poll(() => row.locator("td").nth(5).textContent(), { timeout: UI_TIMEOUT_MS }).toBe("1");
    await workload.resolver.resolveSecrets({ references: ["$<secret.MADE_ELSEWHERE>"] });
    await expect.poll(() => row.locator("td").nth(4).textContent(), { timeout: UI_TIMEOUT_MS }).not.toBe("never");

    // The service sorts: by usage, most used first (the only used secret leads, on any page size).
    await page.getByRole("button", { name: "Usage" }).click();
    await page.getByRole("button", { name: "Usage" }).click();
    await page.locator('th[aria-sort="descending"]').getByText("Usage").waitFor();
    await expect.poll(() => page.locator("table.secrets tbody tr").first().getAttribute("data-secret")).toBe("MADE_ELSEWHERE");
    await expectNoSeriousAxeViolations(page, "the secrets list");
    await screenshot(page, "secrets-list");
    await page.context().close();
  });
});
