/**
 * Watch mode: render, then follow WatchSecrets for every referenced secret
 * and re-render when one changes; after a render that changed a file, wait a
 * random jitter (so a fleet told of one change does not reload at once), then
 * signal the workload or run the on-change command. Through a service outage
 * the last good files stay; the stream is re-opened with capped exponential
 * backoff, and the first message of the new stream (the snapshot of versions)
 * is compared with what was rendered, so a change made meanwhile is not lost.
 * An edited input (a ConfigMap update) is re-rendered too, and the secrets it
 * now references are watched.
 */
import { statSync, watch as watchPath, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { ConnectError } from "@connectrpc/connect";
import { WatchEventType, type WatchSecretsResponse } from "../gen/secrets/v1/resolver_service_pb.js";
import { SecretState } from "../gen/secrets/v1/types_pb.js";
import { secretNameKey } from "../kernel/names.js";
import { backoffDelayMs, sleep, type BackoffOptions } from "./backoff.js";
import type { SidecarLog } from "./log.js";
import { renderConfigs, type RenderResult, type RenderSettings } from "./renderer.js";
import type { ResolverClient } from "./resolver-client.js";

type SuccessfulRender = Extract<RenderResult, { ok: true }>;

export interface WatchSettings extends RenderSettings {
  backoff: BackoffOptions;
  /** Upper bound of the random wait before the workload is told of a change. */
  reloadJitterMs: number;
  /** Quiet time that gathers several events into one render. */
  debounceMs: number;
}

export interface WatchHooks {
  /** After every successful render: e.g. to update the output mask; after the first, to start the workload. */
  rendered(result: SuccessfulRender, first: boolean): void;
  /** After the jitter, when a re-render changed a file. */
  changed(): Promise<void>;
}

/** Whether the snapshot shows a secret at another version or state than the one rendered. */
export function snapshotDiffers(event: WatchSecretsResponse, rendered: SuccessfulRender["versions"]): boolean {
  return event.snapshot.some((secret) => {
    const seen = rendered.get(secretNameKey(secret.name));
    return seen === undefined || seen.version !== secret.version || secret.state !== SecretState.ACTIVE;
  });
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function namesOf(render: SuccessfulRender): string[] {
  return [...render.versions.keys()].sort();
}

/** Renders until a first render succeeds (retrying with backoff), then watches until `signal` aborts. */
export async function runWatch(
  client: ResolverClient,
  settings: WatchSettings,
  log: SidecarLog,
  hooks: WatchHooks,
  signal: AbortSignal,
): Promise<void> {
  // An edited config (a ConfigMap update, say) is re-rendered too, and its new references watched.
  // Watched from the start, so an edit made during the first render is not missed.
  let editedEarly = false;
  let onInputEdited: () => void = () => {
    editedEarly = true;
  };
  const stopWatchingInputs = watchInputs(settings.inputs, () => onInputEdited(), log);

  let last: SuccessfulRender | undefined;
  for (let attempt = 0; last === undefined && !signal.aborted; attempt++) {
    const result = await renderConfigs(client, settings, signal);
    if (result.ok) {
      last = result;
      log.info(`rendered ${result.files.length} file(s) into ${settings.outputDir}; watching ${result.versions.size} secret(s)`);
      hooks.rendered(result, true);
      break;
    }
    const delay = backoffDelayMs(attempt, settings.backoff);
    log.problems(`render failed; retrying in ${delay} ms:`, result.problems);
    await sleep(delay, signal);
  }
  if (last === undefined) {
    stopWatchingInputs();
    return;
  }

  // Renders run one at a time; events that arrive meanwhile ask for one more.
  let rendering: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let namesChanged: (() => void) | undefined;
  const rerender = async () => {
    const result = await renderConfigs(client, settings, signal);
    if (signal.aborted) return;
    if (!result.ok) {
      log.problems("re-render failed; the last good files stay in place:", result.problems);
      return;
    }
    const before = namesOf(last!);
    last = result;
    hooks.rendered(result, false);
    const changed = result.files.filter((file) => file.changed);
    if (!sameNames(before, namesOf(result))) namesChanged?.();
    if (changed.length === 0) return;
    log.info(`re-rendered ${changed.map((file) => file.path).join(", ")}`);
    await sleep(Math.floor(Math.random() * settings.reloadJitterMs), signal);
    if (!signal.aborted) await hooks.changed();
  };
  const scheduleRender = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      rendering = rendering.then(rerender).catch((error: unknown) => log.info(`re-render failed: ${(error as Error).message}`));
    }, settings.debounceMs);
  };

  onInputEdited = scheduleRender;
  if (editedEarly) scheduleRender();

  // When the stream last failed, so that its recovery is logged as well as its loss.
  let interruptedAt: number | undefined;
  for (let attempt = 0; !signal.aborted; ) {
    const names = [...last.versions.values()].map((secret) => secret.name);
    if (names.length === 0) {
      // Nothing to watch until an edited input references a secret.
      const edited = new AbortController();
      namesChanged = () => edited.abort();
      await sleep(2 ** 31 - 1, AbortSignal.any([signal, edited.signal]));
      continue;
    }
    const stream = new AbortController();
    const stopStream = () => stream.abort();
    signal.addEventListener("abort", stopStream);
    namesChanged = stopStream;
    try {
      for await (const event of client.watchSecrets(names, stream.signal)) {
        attempt = 0;
        if (interruptedAt !== undefined) {
          log.info(`watch resumed: connected to the secrets service again after ${((Date.now() - interruptedAt) / 1000).toFixed(1)} s`);
          interruptedAt = undefined;
        }
        if (event.type !== WatchEventType.SUBSCRIBED) scheduleRender();
        else if (snapshotDiffers(event, last.versions)) {
          log.info("secrets changed while the watch was away; re-rendering");
          scheduleRender();
        }
      }
    } catch (error) {
      if (!stream.signal.aborted) {
        log.info(`watch interrupted (${ConnectError.from(error).message}); re-subscribing`);
        interruptedAt ??= Date.now();
      }
    } finally {
      signal.removeEventListener("abort", stopStream);
    }
    if (signal.aborted) break;
    if (stream.signal.aborted) continue; // re-subscribe at once with the new names
    await sleep(backoffDelayMs(attempt++, settings.backoff), signal);
  }
  stopWatchingInputs();
  clearTimeout(timer);
  await rendering;
}

/**
 * Calls `onChange` on any change under the inputs. A file is watched through
 * its directory, because editors and Kubernetes replace files by renaming,
 * which a watch on the file itself would not survive. Spurious events cost a
 * render that writes nothing.
 */
function watchInputs(inputs: readonly string[], onChange: () => void, log: SidecarLog): () => void {
  const watchers: FSWatcher[] = [];
  for (const input of inputs) {
    try {
      const directory = statSync(input).isDirectory();
      const watcher = watchPath(directory ? input : dirname(input), { recursive: directory }, onChange);
      watcher.on("error", (error) => log.info(`stopped watching ${input} (${error.message}); secret changes still re-render`));
      watchers.push(watcher);
    } catch (error) {
      log.info(`cannot watch ${input} for edits (${(error as Error).message}); secret changes still re-render`);
    }
  }
  return () => {
    for (const watcher of watchers) watcher.close();
  };
}
