/**
 * `sidecar-render`: a cold `secrets-sidecar render` of a generated 300-line
 * YAML holding 200 references, from process start to file written (exit),
 * against a cold `node -e 0`. Runs alternate between the two so drifting
 * machine load hits both alike; one unrecorded run of each warms the disk
 * cache first.
 */
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { runCold, type ColdRun } from "../cold-process.js";
import { summarizeLatencies } from "../latency-stats.js";
import { compare, sampleFigures, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { REFERENCE_COUNT, SIDECAR_ENTRY, sidecarMissing, withSidecarFixture } from "../sidecar-fixture.js";

function figuresOf(label: string, runs: readonly ColdRun[]): Figures {
  return sampleFigures(label, summarizeLatencies(runs.map((r) => r.elapsedMs)), Math.max(...runs.map((r) => r.peakRssBytes)));
}

export const sidecarRenderScenario: Scenario = {
  name: "sidecar-render",
  description: `cold 'secrets-sidecar render' of 300 lines with ${REFERENCE_COUNT} references vs cold 'node -e 0'`,
  async run(settings) {
    const missing = sidecarMissing();
    if (missing) return { skipped: missing, comparisons: [], details: {} };
    return withSidecarFixture(settings, async ({ work, input, inputLines, outputDir, connectionArgs }) => {
      const renderArgs = [SIDECAR_ENTRY, "render", ...connectionArgs, input];
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
        details: { inputLines, references: REFERENCE_COUNT, runs: settings.coldRuns },
      };
    });
  },
};

/** The render wrote a file and left no placeholder in it (its content, which holds values, is never printed). */
export async function assertRendered(outputDir: string): Promise<void> {
  const files = await readdir(outputDir);
  if (files.length !== 1) throw new Error(`expected one rendered file, found ${files.length}`);
  const rendered = await readFile(join(outputDir, files[0]!), "utf8");
  if (rendered.includes("$<secret.")) throw new Error("the rendered file still holds placeholders");
}
