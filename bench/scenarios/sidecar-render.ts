/**
 * `sidecar-render`: a cold `secrets-sidecar render` of a generated 300-line
 * YAML holding 200 references, from process start to file written (exit),
 * against a cold `node -e 0`. Runs alternate between the two so drifting
 * machine load hits both alike; one unrecorded run of each warms the disk
 * cache first.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCold, type ColdRun } from "../cold-process.js";
import { summarizeLatencies } from "../latency-stats.js";
import { compare, sampleFigures, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, references, secretNames } from "../seed.js";
import { REPO_ROOT, withServiceChild } from "../service-child.js";

const SIDECAR_ENTRY = join(REPO_ROOT, "bin/secrets-sidecar.js");
const LINES = 300;
const REFERENCE_COUNT = 200;

/**
 * 300 lines, 200 references: integrations, each with an API key (a whole
 * scalar) and a DSN with the password inside a longer string.
 */
export function renderInputYaml(names: readonly string[]): string {
  const refs = references(names);
  const lines = ["integrations:"];
  for (let i = 0; i < refs.length / 2; i++) {
    // The first entry opens on its first key, so the file is exactly 300 lines.
    if (i > 0) lines.push(`  - name: integration-${i}`);
    lines.push(`${i > 0 ? "    " : "  - "}api_key: ${refs[2 * i]}`);
    lines.push(`    dsn: postgres://app:${refs[2 * i + 1]}@db-${i}.internal:5432/app`);
  }
  return `${lines.join("\n")}\n`;
}

function figuresOf(label: string, runs: readonly ColdRun[]): Figures {
  return sampleFigures(label, summarizeLatencies(runs.map((r) => r.elapsedMs)), Math.max(...runs.map((r) => r.peakRssBytes)));
}

export const sidecarRenderScenario: Scenario = {
  name: "sidecar-render",
  description: `cold 'secrets-sidecar render' of ${LINES} lines with ${REFERENCE_COUNT} references vs cold 'node -e 0'`,
  async run(settings) {
    if (!existsSync(SIDECAR_ENTRY)) return { skipped: "sidecar not present (bin/secrets-sidecar.js)", comparisons: [], details: {} };
    return withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const names = secretNames("RENDER", REFERENCE_COUNT);
      await createTokenSecrets([service.clients(service.adminToken)], names);
      const work = await mkdtemp(join(tmpdir(), "bench-render-"));
      try {
        const input = join(work, "integrations.yaml");
        const outputDir = join(work, "out");
        const tokenFile = join(work, "token");
        const yaml = renderInputYaml(names);
        await writeFile(input, yaml);
        await writeFile(tokenFile, await service.createWorkloadToken(), { mode: 0o600 });
        const renderArgs = [SIDECAR_ENTRY, "render", "--address", service.address, "--token-file", tokenFile, "--output-dir", outputDir, input];
        const baselineArgs = ["-e", "0"];

        await runCold(renderArgs, { cwd: work });
        await assertRendered(outputDir);
        await runCold(baselineArgs, { cwd: work });
        const renders: ColdRun[] = [];
        const baselines: ColdRun[] = [];
        for (let i = 0; i < settings.coldRuns; i++) {
          await rm(outputDir, { recursive: true, force: true });
          renders.push(await runCold(renderArgs, { cwd: work }));
          await assertRendered(outputDir);
          baselines.push(await runCold(baselineArgs, { cwd: work }));
        }
        const subject = figuresOf("sidecar render", renders);
        const baseline = figuresOf("node -e 0", baselines);
        return {
          comparisons: [compare("cold sidecar render vs cold node -e 0", subject, baseline)],
          details: { inputLines: yaml.trimEnd().split("\n").length, references: REFERENCE_COUNT, runs: settings.coldRuns },
        };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  },
};

/** The render wrote a file and left no placeholder in it (its content, which holds values, is never printed). */
async function assertRendered(outputDir: string): Promise<void> {
  const files = await readdir(outputDir);
  if (files.length !== 1) throw new Error(`expected one rendered file, found ${files.length}`);
  const rendered = await readFile(join(outputDir, files[0]!), "utf8");
  if (rendered.includes("$<secret.")) throw new Error("the rendered file still holds placeholders");
}
