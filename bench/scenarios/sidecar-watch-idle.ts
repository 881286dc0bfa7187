/**
 * `sidecar-watch-idle`: the resident memory of a `secrets-sidecar watch` (the
 * 300-line, 200-reference YAML rendered, its WatchSecrets stream open, then
 * idle for a few seconds) against an idle `node` process (a timer, nothing
 * else). It runs beside every workload, so each MB is paid per pod. The
 * comparison's RSS is the idle VmRSS; its latency is start until ready.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { measureIdle, type IdleRun } from "../idle-process.js";
import { summarizeLatencies } from "../latency-stats.js";
import { compare, sampleFigures, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { REFERENCE_COUNT, SIDECAR_ENTRY, sidecarMissing, withSidecarFixture } from "../sidecar-fixture.js";

const IDLE_NODE = "require('node:fs').writeFileSync(process.argv[1], ''); setInterval(() => {}, 1 << 30);";

function figuresOf(label: string, runs: readonly IdleRun[]): Figures {
  const idle = summarizeLatencies(runs.map((r) => r.idleRssBytes));
  return sampleFigures(label, summarizeLatencies(runs.map((r) => r.startToReadyMs)), idle.p50Ms);
}

export const sidecarWatchIdleScenario: Scenario = {
  name: "sidecar-watch-idle",
  description: `idle RSS of 'secrets-sidecar watch' (${REFERENCE_COUNT} references rendered, stream open) vs an idle 'node' process`,
  async run(settings) {
    const missing = sidecarMissing();
    if (missing) return { skipped: missing, comparisons: [], details: {} };
    return withSidecarFixture(settings, async ({ work, input, outputDir, connectionArgs }) => {
      const readyFile = join(work, "ready");
      const settleMs = settings.quick ? 2000 : 5000;
      const runs = Math.min(3, settings.coldRuns);
      const sidecars: IdleRun[] = [];
      const nodes: IdleRun[] = [];
      for (let i = 0; i < runs; i++) {
        await rm(outputDir, { recursive: true, force: true });
        await rm(readyFile, { force: true });
        sidecars.push(
          await measureIdle([SIDECAR_ENTRY, "watch", ...connectionArgs, "--ready-file", readyFile, input], {
            cwd: work,
            readyFile,
            settleMs,
          }),
        );
        await rm(readyFile, { force: true });
        nodes.push(await measureIdle(["-e", IDLE_NODE, readyFile], { cwd: work, readyFile, settleMs }));
      }
      const subject = figuresOf("sidecar watch, idle", sidecars);
      const baseline = figuresOf("node, idle", nodes);
      return {
        comparisons: [compare("idle sidecar watch vs idle node", subject, baseline)],
        details: {
          runs,
          settleSeconds: settleMs / 1000,
          sidecarIdleRssBytes: subject.peakRssBytes,
          nodeIdleRssBytes: baseline.peakRssBytes,
          idleRssRatio: subject.peakRssBytes / baseline.peakRssBytes,
          sidecarPeakRssBytes: Math.max(...sidecars.map((r) => r.peakRssBytes)),
        },
      };
    });
  },
};
