/**
 * Command-line options of the sidecar, each with an environment variable
 * behind it (flags win), and their conversion into the settings the modes
 * take. The token is read from a file, never given as an argument, so it
 * stays out of `ps`.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { resolve } from "node:path";
import { DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js";
import { parseEnvReference, type EnvReference, type LoadOptions } from "./configs.js";
import type { RenderSettings } from "./renderer.js";
import type { ConnectionOptions } from "./resolver-client.js";
import type { WatchSettings } from "./watch.js";
import { nonNegativeInt, positiveInt, positiveIntAtMost } from "../kernel/int-flags.js";

/** The longest deadline: what a Node timer can wait (about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Each --env flag parsed as it is read, so a malformed one is a usage error. */
function collectEnvReference(flag: string, previous: EnvReference[] = []): EnvReference[] {
  try {
    return [...previous, parseEnvReference(flag)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function signalName(text: string): NodeJS.Signals {
  const name = (text.startsWith("SIG") ? text : `SIG${text}`).toUpperCase();
  if (!/^SIG[A-Z0-9]+$/.test(name)) throw new InvalidArgumentError("must be a signal name such as SIGHUP");
  return name as NodeJS.Signals;
}

export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option("--address <host:port|url>", "secrets service address").env("SECRETS_ADDRESS").default("127.0.0.1:50051"))
    .addOption(new Option("--token-file <path>", "file holding the workload API token").env("SECRETS_TOKEN_FILE").makeOptionMandatory())
    .addOption(new Option("--ca-file <path>", "CA certificate (PEM) to verify the service; implies TLS").env("SECRETS_CA_FILE"))
    .addOption(new Option("--tls", "use TLS (system CAs unless --ca-file)").env("SECRETS_TLS"))
    .addOption(
      new Option("--timeout-ms <ms>", "deadline of each call")
        .env("SECRETS_TIMEOUT_MS")
        .default(10_000)
        .argParser(positiveIntAtMost(MAX_TIMEOUT_MS)),
    )
    .addOption(
      new Option("--retries <n>", "retries of a call that failed for a transient reason")
        .env("SECRETS_RETRIES")
        .default(5)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--backoff-base-ms <ms>", "first retry delay bound (doubles each retry)")
        .env("SECRETS_BACKOFF_BASE_MS")
        .default(DEFAULT_BACKOFF.baseMs)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--backoff-cap-ms <ms>", "largest retry delay bound")
        .env("SECRETS_BACKOFF_CAP_MS")
        .default(DEFAULT_BACKOFF.capMs)
        .argParser(positiveInt),
    )
    .addOption(new Option("--consumer-id <id>", "consumer id of the config (one file only)").env("SECRETS_CONSUMER_ID"))
    .addOption(new Option("--consumer-prefix <prefix>", "prefix of derived consumer ids").env("SECRETS_CONSUMER_PREFIX"));
}

export function addOutputOptions(command: Command): Command {
  return command.addOption(
    new Option("-o, --output-dir <dir>", "where rendered files are written (ideally a memory-backed volume)")
      .env("SECRETS_OUTPUT_DIR")
      .makeOptionMandatory(),
  );
}

export function addWorkloadOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--env <NAME=REFERENCE>", "also pass a value to the workload as an environment variable (repeatable)").argParser(
        collectEnvReference,
      ),
    )
    .addOption(
      new Option("--mask-output", "replace resolved values in the workload's stdout/stderr with [[SENSITIVE]]").env("SECRETS_MASK_OUTPUT"),
    );
}

export function addWatchOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--on-change <command>", "shell command run after a re-render changed a file (without a workload)").env(
        "SECRETS_ON_CHANGE",
      ),
    )
    .addOption(
      new Option("--reload-signal <signal>", "signal sent to the workload after a change")
        .env("SECRETS_RELOAD_SIGNAL")
        .default("SIGHUP")
        .argParser(signalName),
    )
    .addOption(
      new Option("--reload-jitter-ms <ms>", "random wait, up to this, before reloading: spreads a fleet's reloads")
        .env("SECRETS_RELOAD_JITTER_MS")
        .default(0)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--ready-file <path>", "written after the first complete render (a startup probe's signal)").env("SECRETS_READY_FILE"),
    )
    .addOption(
      new Option("--debounce-ms <ms>", "quiet time that gathers several changes into one render")
        .env("SECRETS_DEBOUNCE_MS")
        .default(100)
        .argParser(nonNegativeInt),
    );
}

/** The parsed options of any mode (commander's `opts()`). */
export interface SidecarOptions {
  address: string;
  tokenFile: string;
  caFile?: string;
  tls?: boolean;
  timeoutMs: number;
  retries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  consumerId?: string;
  consumerPrefix?: string;
  outputDir?: string;
  env?: EnvReference[];
  maskOutput?: boolean;
  onChange?: string;
  reloadSignal: NodeJS.Signals;
  reloadJitterMs: number;
  debounceMs: number;
  readyFile?: string;
}

function backoffOf(options: SidecarOptions): BackoffOptions {
  return { baseMs: options.backoffBaseMs, capMs: options.backoffCapMs };
}

export function connectionOptions(options: SidecarOptions): ConnectionOptions {
  return {
    address: options.address,
    tokenFile: resolve(options.tokenFile),
    ...(options.caFile !== undefined && { caFile: resolve(options.caFile) }),
    tls: options.tls === true,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    backoff: backoffOf(options),
  };
}

export function loadOptions(inputs: string[], options: SidecarOptions): LoadOptions {
  return {
    inputs,
    ...(options.outputDir !== undefined && { outputDir: resolve(options.outputDir) }),
    ...(options.consumerId !== undefined && { consumerId: options.consumerId }),
    ...(options.consumerPrefix !== undefined && { consumerPrefix: options.consumerPrefix }),
  };
}

export function renderSettings(inputs: string[], options: SidecarOptions): RenderSettings {
  return { ...loadOptions(inputs, options), outputDir: resolve(options.outputDir!), env: options.env ?? [] };
}

export function watchSettings(inputs: string[], options: SidecarOptions): WatchSettings {
  return {
    ...renderSettings(inputs, options),
    backoff: backoffOf(options),
    reloadJitterMs: options.reloadJitterMs,
    debounceMs: options.debounceMs,
  };
}
