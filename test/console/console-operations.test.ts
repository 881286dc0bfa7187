/**
 * The web console in a real browser: details with HTML-bearing text rendered
 * as text, rotate, archive/restore naming consumers, delete refused while in
 * use, a viewer's read-only view, and axe-core on the details page.
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
let workload: ConnectClients;

const HOSTILE = `<img src=x onerror="document.title='pwned'"><b>bold</b>`;
const CONSUMER = "service/<i>payments</i>";

beforeAll(async () => {
  h = await startConsole();
  admin = connectClients(h.svc.address, h.svc.adminToken);
  const { tokenSecret } = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["OPS_*"] });
  workload = connectClients(h.svc.address, tokenSecret);
  await admin.secrets.createSecret({
    name: "OPS_USED",
    description: HOSTILE,
    type: SecretType.TOKEN,
    value: { kind: { case: "token", value: "ops-used-value" } },
  });
  await workload.resolver.setConsumerReferences({ consumerId: CONSUMER, references: ["$<secret.OPS_USED>"] });
  await admin.secrets.createSecret({
    name: "OPS_FREE",
    type: SecretType.TOKEN,
    value: { kind: { case: "token", value: "ops-free-value" } },
  });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe("the web console: one secret", { timeout: UI_TEST_TIMEOUT_MS }, () => {
  it("shows details, consumers and references, with HTML in a description or consumer id as text", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.goto(`${h.base}/#/secrets/OPS_USED`);
    await page.getByRole("heading", { name: "OPS_USED" }).waitFor();
    expect(await page.locator("dd.description").textContent()).toBe(HOSTILE);
    expect(await page.locator("dd.description img, dd.description b").count()).toBe(0);
    expect(await page.locator(`tr[data-consumer="${CONSUMER}"] td`).first().textContent()).toBe(CONSUMER);
    expect(await page.locator("main i").count()).toBe(0);
    expect(await page.title()).not.toBe("pwned");
    for (const form of ["$<secret.OPS_USED>", "${secret.OPS_USED}", "{{ secrets.OPS_USED }}", "{{{ secrets.OPS_USED }}}"])
      await page.getByRole("button", { name: `Copy ${form}` }).waitFor();
    await expectNoSeriousAxeViolations(page, "the secret details page");
    await screenshot(page, "secret-details");
    await page.context().close();
  });

  it("rotates the value with name and type locked, and keeps no value in the page", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.goto(`${h.base}/#/secrets/OPS_FREE`);
    await page.getByRole("button", { name: "Rotate value" }).click();
    const drawer = page.getByRole("dialog", { name: "Rotate OPS_FREE" });
    await drawer.getByText("becomes version 2").waitFor();
    await expectNoSeriousAxeViolations(page, "the Rotate drawer");
    await drawer.getByLabel("Token value").fill("ops-rotated-value");
    await drawer.getByRole("button", { name: "Save new value" }).click();
    await page.getByText("New value saved as version 2.").waitFor();
    expect(await pageText(page)).not.toContain("ops-rotated-value");
    const { values } = await workload.resolver.resolveSecrets({ references: ["$<secret.OPS_FREE>"] });
    expect(values[0]?.value).toBe("ops-rotated-value");
    await page.context().close();
  });

  it("edits details in the Edit drawer, and shows a concurrent edit instead of overwriting it", async () => {
    await admin.secrets.createSecret({ name: "OPS_EDIT", type: SecretType.TOKEN, value: { kind: { case: "token", value: "ops-edit" } } });
    const page = await h.open(h.svc.adminToken);
    await page.goto(`${h.base}/#/secrets/OPS_EDIT`);
    await page.getByRole("button", { name: "Edit details" }).click();
    const drawer = page.getByRole("dialog", { name: "Edit OPS_EDIT" });
    await drawer.getByLabel("Display name").fill("Edited here");
    await expectNoSeriousAxeViolations(page, "the Edit drawer");
    // Meanwhile another operator edits it; the page shows their change live.
    await admin.secrets.updateSecretMetadata({ name: "OPS_EDIT", description: "edited elsewhere", updateMask: { paths: ["description"] } });
    await page.locator("dd.description").getByText("edited elsewhere").waitFor();
    await drawer.getByRole("button", { name: "Save details" }).click();
    await drawer.getByText("Someone else changed this meanwhile").waitFor();
    const { secret } = await admin.secrets.getSecret({ name: "OPS_EDIT" });
    expect([secret?.displayName, secret?.description]).toEqual(["", "edited elsewhere"]);

    await drawer.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Edit details" }).click();
    await drawer.getByLabel("Display name").fill("Edited here");
    await drawer.getByRole("button", { name: "Save details" }).click();
    await page.getByText("Details saved.").waitFor();
    expect((await admin.secrets.getSecret({ name: "OPS_EDIT" })).secret).toMatchObject({
      displayName: "Edited here",
      description: "edited elsewhere",
    });
    await page.context().close();
  });

  it("copies a reference, never a value, with each copy button", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.goto(`${h.base}/#/secrets/OPS_USED`);
    for (const form of ["$<secret.OPS_USED>", "{{ secrets.OPS_USED }}"]) {
      await page.getByRole("button", { name: `Copy ${form}` }).click();
      await page
        .getByRole("button", { name: `Copy ${form}` })
        .getByText("Copied")
        .first()
        .waitFor();
      expect(await page.evaluate("navigator.clipboard.readText()")).toBe(form);
    }
    expect(await pageText(page)).not.toContain("ops-used-value");
    await page.context().close();
  });

  it("shows the service's reason when it refuses a delete (a consumer appeared meanwhile), and deletes nothing", async () => {
    await admin.secrets.createSecret({ name: "OPS_RACED", type: SecretType.TOKEN, value: { kind: { case: "token", value: "ops-raced" } } });
    const page = await h.open(h.svc.adminToken);
    await page.goto(`${h.base}/#/secrets/OPS_RACED`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Delete OPS_RACED?" });
    await dialog.getByLabel("Secret name").fill("OPS_RACED");
    await workload.resolver.setConsumerReferences({ consumerId: "service/late", references: ["$<secret.OPS_RACED>"] });
    await dialog.getByRole("button", { name: "Delete for good" }).click();
    await dialog.getByRole("alert").getByText("In use by 1 consumer(s): service/late.").waitFor();
    expect((await admin.secrets.getSecret({ name: "OPS_RACED" })).secret?.name).toBe("OPS_RACED");
    await page.context().close();
  });

  it("archives and restores with the consumers that stop working named; delete is disabled while in use", async () => {
    const page = await h.open(h.svc.adminToken);
    await page.goto(`${h.base}/#/secrets/OPS_USED`);
    const del = page.getByRole("button", { name: "Delete", exact: true });
    await del.waitFor();
    expect(await del.isDisabled()).toBe(true);
    expect(await page.locator("#delete-reason").textContent()).toContain(CONSUMER);

    await page.getByRole("button", { name: "Archive" }).click();
    const dialog = page.getByRole("dialog", { name: "Archive OPS_USED?" });
    expect(await dialog.locator("ul.consumers li").allTextContents()).toEqual([CONSUMER]);
    await expectNoSeriousAxeViolations(page, "the archive confirmation");
    await dialog.getByRole("button", { name: "Archive", exact: true }).click();
    await page.getByText("Archived.", { exact: true }).waitFor();
    await page
      .getByRole("definition")
      .filter({ hasText: /^Archived$/ })
      .waitFor();
    expect((await admin.secrets.getSecret({ name: "OPS_USED" })).secret?.archiveTime).toBeDefined();

    await page.getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByRole("dialog", { name: "Restore OPS_USED?" }).getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByText("Restored.", { exact: true }).waitFor();
    expect((await admin.secrets.getSecret({ name: "OPS_USED" })).secret?.archiveTime).toBeUndefined();
    await page.context().close();
  });

  it("deletes a secret nothing uses once its name is typed", async () => {
    await admin.secrets.createSecret({ name: "OPS_GONE", type: SecretType.TOKEN, value: { kind: { case: "token", value: "ops-gone" } } });
    const page = await h.open(h.svc.adminToken);
    await page.goto(`${h.base}/#/secrets/OPS_GONE`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Delete OPS_GONE?" });
    const confirm = dialog.getByRole("button", { name: "Delete for good" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Secret name").fill("OPS_GONE");
    await confirm.click();
    await page.getByRole("heading", { name: "Secrets" }).waitFor();
    await expect(admin.secrets.getSecret({ name: "OPS_GONE" })).rejects.toThrow();
    await page.context().close();
  });

  it("gives a viewer the same pages read-only, with the reason", async () => {
    const { tokenSecret } = await admin.admin.createApiToken({ displayName: "viewer", role: Role.VIEWER });
    const page = await h.open(tokenSecret);
    await page.getByText("Viewers cannot add secrets.").waitFor();
    expect(await page.getByRole("button", { name: "Add secret" }).count()).toBe(0);
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()).toEqual(["Secrets"]);
    await page.goto(`${h.base}/#/secrets/OPS_USED`);
    await page.getByText("You are a viewer").waitFor();
    for (const action of ["Edit details", "Rotate value", "Archive", "Delete"])
      expect(await page.getByRole("button", { name: action, exact: true }).count()).toBe(0);
    await expectNoSeriousAxeViolations(page, "a viewer's details page");
    await page.context().close();
  });
});
