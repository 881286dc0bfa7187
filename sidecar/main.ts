/**
 * secrets-sidecar: resolves `$<secret.NAME>` references in YAML configs
 * against the secrets service. Modes: plan, render, exec, watch. Arguments
 * after `--` are the workload's command line (exec, watch).
 */
import { Command } from "commander";
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
import { runPlan } from "./plan.js";
import { renderConfigs, type RenderResult } from "./renderer.js";
import { createResolverClient } from "./resolver-client.js";
import { runOnChangeCommand, runWatch } from "./watch.js";
import { startWorkload, type Workload } from "./workload.js";

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
  const result = await renderConfigs(createResolverClient(connectionOptions(options)), settings);
  if (!result.ok) {
    log.problems("render failed; nothing was written:", result.problems);
    return 1;
  }
  const changed = result.files.filter((file) => file.changed).length;
  log.info(`rendered ${result.files.length} file(s) into ${settings.outputDir} (${changed} changed)`);
  return 0;
}

async function exec(inputs: string[], command: string[], options: SidecarOptions, log: SidecarLog): Promise<number> {
  const settings = renderSettings(inputs, options);
  const result = await renderConfigs(createResolverClient(connectionOptions(options)), settings);
  if (!result.ok) {
    log.problems("render failed; nothing was written and the workload was not started:", result.problems);
    return 1;
  }
  log.mask.update(result.values);
  const workload = startWorkload({
    command: command[0]!,
    args: command.slice(1),
    env: workloadEnv(settings.outputDir, result),
    ...(options.maskOutput && { mask: log.mask }),
  });
  return workload.exited;
}

async function watch(inputs: string[], command: string[], options: SidecarOptions, log: SidecarLog): Promise<number> {
  const settings = watchSettings(inputs, options);
  const abort = new AbortController();
  let workload: Workload | undefined;
  const stop = () => abort.abort();
  // With a workload, signals go to it (workload.ts) and the sidecar ends when it does.
  const ownSignals: NodeJS.Signals[] = command.length === 0 ? ["SIGTERM", "SIGINT"] : [];
  for (const signal of ownSignals) process.once(signal, stop);
  try {
    await runWatch(
      createResolverClient(connectionOptions(options)),
      settings,
      log,
      {
        rendered(result, first) {
          log.mask.update(result.values);
          if (!first || command.length === 0) return;
          workload = startWorkload({
            command: command[0]!,
            args: command.slice(1),
            env: workloadEnv(settings.outputDir, result),
            ...(options.maskOutput && { mask: log.mask }),
          });
          void workload.exited.then(stop);
        },
        async changed() {
          if (workload !== undefined) {
            log.info(`sending ${options.reloadSignal} to the workload`);
            workload.signal(options.reloadSignal);
          } else if (options.onChange !== undefined) await runOnChangeCommand(options.onChange, log);
        },
      },
      abort.signal,
    );
  } finally {
    for (const signal of ownSignals) process.off(signal, stop);
  }
  log.info("watch stopped");
  return workload === undefined ? 0 : workload.exited;
}

function program(log: SidecarLog, command: string[], setStatus: (status: Promise<number>) => void): Command {
  const root = new Command("secrets-sidecar")
    .description("Resolves secret references in YAML configs against the secrets service; see sidecar/README-section.md")
    .showHelpAfterError();
  const inputsHelp = "YAML files, or directories of them (.yaml, .yml)";

  addConnectionOptions(
    root.command("plan").description("check every reference without resolving it; non-zero exit if any would fail").argument("<inputs...>", inputsHelp),
  ).action((inputs: string[], options: SidecarOptions) =>
    setStatus(runPlan(createResolverClient(connectionOptions(options)), loadOptions(inputs, options), process.stdout).then((ok) => (ok ? 0 : 1))),
  );

  addOutputOptions(addConnectionOptions(root.command("render").description("render once, then exit (init container)").argument("<inputs...>", inputsHelp))).action(
    (inputs: string[], options: SidecarOptions) => setStatus(render(inputs, options, log)),
  );

  addWorkloadOptions(
    addOutputOptions(
      addConnectionOptions(
        root.command("exec").description("render, then run the workload given after --, forwarding signals; exits with its status").argument("<inputs...>", inputsHelp),
      ),
    ),
  ).action((inputs: string[], options: SidecarOptions) => {
    if (command.length === 0) throw new Error("exec needs the workload's command after --");
    setStatus(exec(inputs, command, options, log));
  });

  addWatchOptions(
    addWorkloadOptions(
      addOutputOptions(
        addConnectionOptions(
          root
            .command("watch")
            .description("render, then re-render on every change; signal the workload given after -- or run --on-change")
            .argument("<inputs...>", inputsHelp),
        ),
      ),
    ),
  ).action((inputs: string[], options: SidecarOptions) => setStatus(watch(inputs, command, options, log)));
  return root;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit status. */
export async function runSidecar(argv: readonly string[]): Promise<number> {
  const split = argv.indexOf("--");
  const own = split === -1 ? [...argv] : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  const log = new SidecarLog();
  let status: Promise<number> = Promise.resolve(0);
  try {
    await program(log, command, (s) => (status = s)).parseAsync(own, { from: "user" });
    return await status;
  } catch (error) {
    log.info((error as Error).message);
    return 1;
  }
}
