/**
 * secrets-sidecar: resolves `$<secret.NAME>` references in YAML configs
 * against the secrets service. Modes: plan, render, exec, watch. Arguments
 * after `--` are the workload's command line (exec, watch).
 */
import { keepLeadingByteOrderMarks } from "../kernel/exact-utf8.js";
import { Command, CommanderError } from "commander";
import { delimiter } from "node:path";
import { SidecarLog } from "./log.js";
import {
  addConnectionOptions,
  addOutputOptions,
  addWatchOptions,
  addWorkloadOptions,
  connectionOptions,
  loadOptions,
  renderSettings,
  watchSettings,
  type SidecarOptions,
} from "./options.js";
import type { OutputMask } from "./output-mask.js";
import { withOutputLock } from "./output-lock.js";
import { runPlan } from "./plan.js";
import { clearReady, markReady } from "./ready-file.js";
import { renderConfigs, type RenderResult } from "./renderer.js";
import { createResolverClient } from "./resolver-client.js";
import { releaseRenderMemory } from "./idle-memory.js";
import { runWatch } from "./watch.js";
import type { Workload } from "./workload.js";

type SuccessfulRender = Extract<RenderResult, { ok: true }>;

/** The workload's environment: the sidecar's own, where the files are, and any `--env` values. */
function workloadEnv(outputDir: string, result: SuccessfulRender): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SECRETS_SIDECAR_OUTPUT_DIR: outputDir,
    SECRETS_SIDECAR_FILES: result.files.map((file) => file.path).join(delimiter),
    ...result.env,
  };
}

async function render(inputs: string[], options: SidecarOptions, log: SidecarLog): Promise<number> {
  const settings = renderSettings(inputs, options);
  const result = await withOutputLock(settings.outputDir, () => renderConfigs(createResolverClient(connectionOptions(options)), settings));
  if (!result.ok) {
    log.problems("render failed; nothing was written:", result.problems);
    return 1;
  }
  const changed = result.files.filter((file) => file.changed).length;
  log.info(`rendered ${result.files.length} file(s) into ${settings.outputDir} (${changed} changed)`);
  return 0;
}

/** The output mask, loaded only by the modes that run a workload; the sidecar's own lines pass through it too. */
async function outputMask(log: SidecarLog): Promise<OutputMask> {
  const { OutputMask } = await import("./output-mask.js");
  const mask = new OutputMask();
  log.maskWith(mask);
  return mask;
}

async function exec(inputs: string[], command: string[], options: SidecarOptions, log: SidecarLog): Promise<number> {
  const settings = renderSettings(inputs, options);
  const mask = await outputMask(log);
  // The workload's module loads node:child_process: only the modes that run one load it.
  const { startWorkload } = await import("./workload.js");
  const result = await withOutputLock(settings.outputDir, () => renderConfigs(createResolverClient(connectionOptions(options)), settings));
  if (!result.ok) {
    log.problems("render failed; nothing was written and the workload was not started:", result.problems);
    return 1;
  }
  mask.add(result.sensitive);
  releaseRenderMemory();
  const workload = startWorkload({
    command: command[0]!,
    args: command.slice(1),
    env: workloadEnv(settings.outputDir, result),
    ...(options.maskOutput && { mask }),
  });
  return workload.exited;
}

async function watch(inputs: string[], command: string[], options: SidecarOptions, log: SidecarLog): Promise<number> {
  const settings = watchSettings(inputs, options);
  const mask = await outputMask(log);
  const { startWorkload } = command.length > 0 ? await import("./workload.js") : { startWorkload: undefined };
  const abort = new AbortController();
  let workload: Workload | undefined;
  const stop = () => abort.abort();
  // With a workload, signals go to it (workload.ts) and the sidecar ends when it does.
  const ownSignals: NodeJS.Signals[] = command.length === 0 ? ["SIGTERM", "SIGINT"] : [];
  for (const signal of ownSignals) process.once(signal, stop);
  const readyFile = options.readyFile;
  try {
    // Under the lock: a second sidecar refused on this directory must not clear the first one's ready file.
    await withOutputLock(settings.outputDir, async () => {
      if (readyFile !== undefined) await clearReady(readyFile);
      await runWatch(
        createResolverClient(connectionOptions(options)),
        settings,
        log,
        {
          rendered(result, first) {
            mask.add(result.sensitive);
            releaseRenderMemory();
            if (first && readyFile !== undefined)
              markReady(readyFile).catch((error: Error) => log.info(`cannot write the ready file: ${error.message}`));
            if (!first || startWorkload === undefined) return;
            workload = startWorkload({
              command: command[0]!,
              args: command.slice(1),
              env: workloadEnv(settings.outputDir, result),
              ...(options.maskOutput && { mask }),
            });
            void workload.exited.then(stop);
          },
          async changed() {
            if (workload !== undefined) {
              log.info(`sending ${options.reloadSignal} to the workload`);
              workload.signal(options.reloadSignal);
            } else if (options.onChange !== undefined) {
              const { runOnChangeCommand } = await import("./on-change-command.js");
              await runOnChangeCommand(options.onChange, log);
            }
          },
        },
        abort.signal,
      );
    });
  } finally {
    for (const signal of ownSignals) process.off(signal, stop);
  }
  log.info("watch stopped");
  return workload === undefined ? 0 : workload.exited;
}

const MODES = "plan|render|exec|watch";
const DOCUMENTATION = 'see README.md, section "The sidecar resolver"';

/** A usage error ends with the message and this one line (not the whole help), exit 2. */
function usageLine(command: Command): string {
  const tail = command.name() === "exec" || command.name() === "watch" ? " [-- CMD ARGS...]" : "";
  return `usage: secrets-sidecar ${command.name()} ${command.usage()}${tail}   (--help for more)`;
}

/** Every mode's command, with its short usage line for usage errors. */
function mode(root: Command, name: string, description: string): Command {
  const command = root.command(name).description(description).argument("<inputs...>", "YAML files, or directories of them (.yaml, .yml)");
  return command.showHelpAfterError(usageLine(command));
}

function program(log: SidecarLog, command: string[], setStatus: (status: Promise<number>) => void): Command {
  const root = new Command("secrets-sidecar")
    .description(`Resolves secret references in YAML configs against the secrets service; ${DOCUMENTATION}`)
    .exitOverride()
    .showHelpAfterError(`usage: secrets-sidecar ${MODES} <inputs...> [options]   (--help for more)`);

  addConnectionOptions(mode(root, "plan", "check every reference without resolving it; non-zero exit if any would fail")).action(
    (inputs: string[], options: SidecarOptions) =>
      setStatus(
        runPlan(createResolverClient(connectionOptions(options)), loadOptions(inputs, options), process.stdout).then((ok) => (ok ? 0 : 1)),
      ),
  );

  addOutputOptions(addConnectionOptions(mode(root, "render", "render once, then exit (init container)"))).action(
    (inputs: string[], options: SidecarOptions) => setStatus(render(inputs, options, log)),
  );

  addWorkloadOptions(
    addOutputOptions(
      addConnectionOptions(mode(root, "exec", "render, then run the workload given after --, forwarding signals; exits with its status")),
    ),
  ).action((inputs: string[], options: SidecarOptions, self: Command) => {
    if (command.length === 0) self.error("error: exec needs the workload's command after --", { exitCode: 2 });
    setStatus(exec(inputs, command, options, log));
  });

  addWatchOptions(
    addWorkloadOptions(
      addOutputOptions(
        addConnectionOptions(
          mode(root, "watch", "render, then re-render on every change; signal the workload given after -- or run --on-change"),
        ),
      ),
    ),
  ).action((inputs: string[], options: SidecarOptions) => setStatus(watch(inputs, command, options, log)));
  return root;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit status. */
export async function runSidecar(argv: readonly string[]): Promise<number> {
  keepLeadingByteOrderMarks();
  const split = argv.indexOf("--");
  const own = split === -1 ? [...argv] : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  const log = new SidecarLog();
  let status: Promise<number> = Promise.resolve(0);
  const root = program(log, command, (s) => (status = s));
  try {
    if (own.length === 0) root.error(`error: a mode is required (${MODES.replaceAll("|", ", ")})`, { exitCode: 2 });
    await root.parseAsync(own, { from: "user" });
    return await status;
  } catch (error) {
    // Commander has printed the message and the usage line.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    log.info((error as Error).message);
    return 1;
  }
}
