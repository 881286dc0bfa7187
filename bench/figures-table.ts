/**
 * `npx tsx bench/figures-table.ts RUN.json...`: the comparisons of one or more
 * `--json-out` reports as the Markdown table BENCHMARKS.md shows, with the
 * driver and its CPU share beside each figure and the refusals spelled out.
 */
import { readFileSync } from "node:fs";
import type { Figures, ScenarioResult } from "./result.js";

const MB = 1024 * 1024;
const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? "" : value.toFixed(digits));

function figuresRow(scenario: string, figures: Figures, role: string): string {
  const driver =
    figures.driver === undefined
      ? ""
      : `${figures.driver} ${fixed(figures.driverCpuPercent, 0)}%${figures.driverBound ? " **bound**" : ""}`;
  return `| ${scenario} | ${figures.label}${role} | ${fixed(figures.opsPerSec, 1)} | ${fixed(figures.p50Ms, 2)} | ${fixed(figures.p99Ms, 2)} | ${fixed(figures.p99OverP50, 2)} | ${fixed(figures.peakRssBytes / MB, 1)} | ${fixed(figures.serviceCpuMsPerOp, 3)} | ${fixed(figures.serviceCpuPercent, 0)}${figures.serviceCpuPercent === undefined ? "" : "%"} | ${driver} |`;
}

/** The same call paced at half its saturated throughput: rate and tail only. */
function pacedRow(figures: Figures, role: string): string[] {
  const paced = figures.atHalfLoad;
  if (!paced) return [];
  return [
    `| | at half load${role} | ${fixed(paced.opsPerSec, 1)} | ${fixed(paced.p50Ms, 2)} | ${fixed(paced.p99Ms, 2)} | ${fixed(paced.p99OverP50, 2)} | | | | |`,
  ];
}

const lines = [
  "| scenario | figure | ops/s | p50 ms | p99 ms | p99/p50 | RSS MB | svc CPU ms/op | svc CPU | driver, its CPU |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
];
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, "utf8")) as { scenarios: ScenarioResult[] };
  for (const result of report.scenarios) {
    if (result.skipped) lines.push(`| ${result.scenario} | skipped: ${result.skipped} |||||||||`);
    for (const comparison of result.comparisons) {
      lines.push(figuresRow(result.scenario, comparison.subject, ""), ...pacedRow(comparison.subject, ""));
      lines.push(figuresRow("", comparison.baseline, " (baseline)"), ...pacedRow(comparison.baseline, " (baseline)"));
      const r = comparison.ratios;
      lines.push(
        r
          ? `| | **ratio** | **${r.throughput.toFixed(2)}x** | ${r.p50.toFixed(2)}x | ${r.p99.toFixed(2)}x | | ${r.peakRss.toFixed(2)}x | | | |`
          : `| | ratio refused: ${comparison.ratiosRefused} |||||||||`,
      );
    }
  }
}
console.log(lines.join("\n"));
