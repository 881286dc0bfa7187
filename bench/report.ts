/** Human-readable tables of scenario results. */
import type { MachineInfo } from "./machine.js";
import type { Figures, ScenarioResult } from "./result.js";

const MB = 1024 * 1024;

function cell(text: string, width: number): string {
  return text.padStart(width);
}

function row(label: string, values: string[]): string {
  return `  ${label.padEnd(34)}${values.map((v) => cell(v, 13)).join("")}`;
}

const optional = (value: number | undefined, digits: number) => (value === undefined ? "-" : value.toFixed(digits));

function figuresRow(figures: Figures, suffix = ""): string {
  return row(`${figures.label}${suffix}`, [
    figures.opsPerSec.toFixed(1),
    figures.p50Ms.toFixed(2),
    figures.p99Ms.toFixed(2),
    figures.p99OverP50.toFixed(2),
    (figures.peakRssBytes / MB).toFixed(1),
    optional(figures.serviceCpuMsPerOp, 3),
    optional(figures.serviceCpuPercent, 0),
    figures.driver === undefined ? "-" : `${figures.driverBound ? "BOUND " : ""}${figures.driver} ${optional(figures.driverCpuPercent, 0)}`,
  ]);
}

function pacedRow(figures: Figures, suffix = ""): string[] {
  const paced = figures.atHalfLoad;
  if (!paced) return [];
  return [
    row(`  at half load${suffix}`, [
      paced.opsPerSec.toFixed(1),
      paced.p50Ms.toFixed(2),
      paced.p99Ms.toFixed(2),
      paced.p99OverP50.toFixed(2),
    ]),
  ];
}

function formatDetail(value: number | string): string {
  if (typeof value === "string") return value;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function formatMachine(machine: MachineInfo): string {
  return `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, Node ${machine.node}, ${machine.platform}, load average ${machine.loadAverageAtStart.toFixed(2)} at start`;
}

export function formatScenario(result: ScenarioResult): string {
  const lines = [`\n== ${result.scenario} (${(result.elapsedMs / 1000).toFixed(1)} s)`];
  if (result.skipped) return [...lines, `  skipped: ${result.skipped}`].join("\n");
  for (const comparison of result.comparisons) {
    const { ratios } = comparison;
    lines.push(`  -- ${comparison.name}`);
    lines.push(row("", ["ops/s", "p50 ms", "p99 ms", "p99/p50", "peak RSS MB", "svc ms/op", "svc CPU %", "driver CPU %"]));
    lines.push(figuresRow(comparison.subject), ...pacedRow(comparison.subject));
    lines.push(figuresRow(comparison.baseline, " (baseline)"), ...pacedRow(comparison.baseline, " (baseline)"));
    if (ratios) {
      const [throughput, p50, p99, peakRss] = [ratios.throughput, ratios.p50, ratios.p99, ratios.peakRss].map((r) => `${r.toFixed(2)}x`);
      lines.push(row("ratio (subject / baseline)", [throughput!, p50!, p99!, "", peakRss!]));
    } else lines.push(`  ratio refused: ${comparison.ratiosRefused}`);
  }
  const details = Object.entries(result.details).map(([key, value]) => `${key}=${formatDetail(value)}`);
  if (details.length) lines.push(`  details: ${details.join(", ")}`);
  lines.push(`  driver (client) peak RSS: ${(result.driverPeakRssBytes / MB).toFixed(1)} MB`);
  return lines.join("\n");
}
