/**
 * Vitest global setup: builds dist/ from the sources under test before any
 * test runs, so the tests that start the bins (`node bin/…`) run exactly what
 * production runs, built from exactly this tree.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildPrograms(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL("../../scripts/build.mjs", import.meta.url))], { stdio: "inherit" });
}
