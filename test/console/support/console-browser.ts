/**
 * A real service with its console on a loopback port, and Debian's chromium
 * driven by playwright-core: pages signed in with a token, axe-core checks,
 * and screenshots kept as test artifacts (test-artifacts/console/).
 */
import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { startTestService, type TestService } from "../../support/service.js";

export const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/console/", import.meta.url));
const AXE = fileURLToPath(new URL("../../../node_modules/axe-core/axe.min.js", import.meta.url));

/** Generous: two cores shared by many test files. */
export const UI_TIMEOUT_MS = 30_000;
/** A whole browser test: several steps, each allowed UI_TIMEOUT_MS. */
export const UI_TEST_TIMEOUT_MS = 180_000;

export interface ConsoleHarness {
  svc: TestService;
  base: string;
  browser: Browser;
  /** A new page (own context, so own session storage), signed in with `token` when given. */
  open(token?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startConsole(): Promise<ConsoleHarness> {
  const svc = await startTestService({ args: ["--connect-listen", "127.0.0.1:0"] });
  const base = `http://127.0.0.1:${svc.service.connectPort}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    timeout: 120_000,
  });
  return {
    svc,
    base,
    browser,
    async open(token) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
      context.setDefaultTimeout(UI_TIMEOUT_MS);
      const page = await context.newPage();
      await page.goto(base);
      if (token !== undefined) await signIn(page, token);
      return page;
    },
    async close() {
      await browser.close();
      await svc.cleanup();
    },
  };
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** Runs axe-core in the page and fails on any serious or critical violation. */
export async function expectNoSeriousAxeViolations(page: Page, where: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(await readFile(AXE, "utf8"));
  // Strings, not functions: this file is type-checked for Node, without the DOM's types.
  const violations: unknown = await page.evaluate(`axe.run().then((result) => result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target) })))`);
  expect(violations, `axe-core on ${where}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** Everything the page holds as text: markup, plus the current value of every form control. */
export async function pageText(page: Page): Promise<string> {
  const html = await page.content();
  const values: unknown = await page.evaluate(
    `[...document.querySelectorAll("input, textarea, select")].map((el) => el.value).join("\\n")`,
  );
  return `${html}\n${values}`;
}
