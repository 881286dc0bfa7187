/**
 * `npm run bench`: runs the benchmark scenarios against the service (started
 * as a child process) and prints each figure beside its same-run baseline
 * and the ratio. `--json` prints one JSON object instead.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { writeFile } from "node:fs/promises";
import { ensureH2load } from "./h2load/h2load-binary.js";
import { currentLoadAverage, machineInfo } from "./machine.js";
import { formatMachine, formatScenario } from "./report.js";
import type { ScenarioResult } from "./result.js";
import { runScenario } from "./run-scenario.js";
import { SCENARIOS } from "./scenarios/index.js";
import { benchSettings } from "./settings.js";

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!(n > 0)) throw new InvalidArgumentError("must be a positive number");
  return n;
}

const options = new Command("bench")
  .description("Benchmarks of the secrets service and sidecar, each against a baseline measured in the same run.")
  .option("--quick", "a shorter run: 3 s phases, 10,000 instead of 100,000 secrets, 3 fan-out rounds", false)
  .option("--json", "print one JSON object instead of tables", false)
  .addOption(new Option("--scenario <name...>", "run only these scenarios").choices(SCENARIOS.map((s) => s.name)))
  .addOption(new Option("--phase-seconds <s>", "measured seconds of each load phase (overrides the default)").argParser(positiveNumber))
  .option("--json-out <file>", "also write the JSON object to this file")
  .option("--cpu-prof-dir <dir>", "write a V8 CPU profile of each service child here")
  .addOption(
    new Option(
      "--driver <name>",
      "load driver for fixed requests: h2load (installed with apt-get when missing), or the in-process Connect client",
    )
      .choices(["h2load", "connect"])
      .default("h2load"),
  )
  .parse()
  .opts<{
    quick: boolean;
    json: boolean;
    jsonOut?: string;
    scenario?: string[];
    phaseSeconds?: number;
    cpuProfDir?: string;
    driver: "h2load" | "connect";
  }>();

const log = (text: string) => {
  if (!options.json) console.log(text);
};
// Without h2load the Connect client drives every phase: the figures stay, but ratios against a driver-bound baseline are refused.
const h2load = options.driver === "h2load" ? await ensureH2load(log) : { missing: "--driver connect" };
const driver = "path" in h2load ? { name: "h2load", path: h2load.path } : { name: "connect", whyNotH2load: h2load.missing };
if ("whyNotH2load" in driver) console.error(`load driver: the in-process Connect client, not h2load (${driver.whyNotH2load})`);

const settings = benchSettings({
  quick: options.quick,
  ...(options.phaseSeconds !== undefined && { phaseSeconds: options.phaseSeconds }),
  ...(options.cpuProfDir !== undefined && { cpuProfileDir: options.cpuProfDir }),
  ...("path" in h2load && { h2load: h2load.path }),
});
const selected = SCENARIOS.filter((s) => !options.scenario || options.scenario.includes(s.name));
const machine = machineInfo();

log(formatMachine(machine));
log(
  `mode: ${settings.quick ? "quick" : "full"}; phases of ${settings.phaseMs / 1000} s after ${settings.warmupMs / 1000} s warm-up; load driver ${driver.name}`,
);
const started = Date.now();
const results: ScenarioResult[] = [];
for (const scenario of selected) {
  if (!options.json) process.stdout.write(`\nrunning ${scenario.name}: ${scenario.description} ...`);
  const result = await runScenario(scenario, settings);
  results.push(result);
  log(formatScenario(result));
}
const totalSeconds = (Date.now() - started) / 1000;
const report = JSON.stringify({
  machine: { ...machine, loadAverageAtEnd: currentLoadAverage() },
  mode: settings.quick ? "quick" : "full",
  driver,
  totalSeconds,
  scenarios: results,
});
if (options.jsonOut !== undefined) await writeFile(options.jsonOut, `${report}\n`);
if (options.json) console.log(report);
log(`\ntotal ${totalSeconds.toFixed(1)} s; load average ${currentLoadAverage().toFixed(2)} at end`);
