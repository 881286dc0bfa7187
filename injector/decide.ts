/**
 * Whether and how to inject into one pod: from its annotations, its spec and
 * its owner. Every outcome carries the reason, which goes into the pod's
 * status annotation and the log, so "why was nothing injected" has an answer.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import { parseAnnotations, STATUS_ANNOTATION, type InjectionRequest, type Mode } from "./annotations.js";
import { DEFAULT_SIDECAR_USER, type InjectorConfig } from "./config.js";
import { INJECTED_CONTAINERS, INJECTED_VOLUMES } from "./names.js";

export interface InjectionPlan {
  request: InjectionRequest;
  /** The mode applied (init+sidecar becomes init-only for pods that run to completion). */
  mode: Mode;
  /** Names of the containers (and init containers) that get the rendered files. */
  targets: string[];
  /** The sidecar's user and group id. */
  user: number;
  /** Set when the pod has no fsGroup: the token (root-owned) is readable through it. */
  fsGroup?: number;
  namespace: string;
  reason: string;
}

export type Decision =
  | { kind: "inject"; plan: InjectionPlan }
  /** Allowed without injecting; the reason is recorded on the pod. */
  | { kind: "skip"; reason: string }
  /** Already injected: the pod is left exactly as it is. */
  | { kind: "unchanged"; reason: string }
  | { kind: "refuse"; problems: string[] };

function alreadyInjected(pod: IPod): boolean {
  const spec = pod.spec!;
  const containers = [...spec.containers, ...(spec.initContainers ?? [])];
  return (
    containers.some((container) => (INJECTED_CONTAINERS as readonly string[]).includes(container.name)) ||
    (spec.volumes ?? []).some((volume) => (INJECTED_VOLUMES as readonly string[]).includes(volume.name))
  );
}

/** Pods that must finish: a regular sidecar container would keep them running for ever. */
function runsToCompletion(pod: IPod): string | undefined {
  const job = pod.metadata?.ownerReferences?.find((owner) => owner.kind === "Job" && owner.apiVersion.startsWith("batch/"));
  if (job !== undefined) return `owned by Job ${job.name}`;
  const restartPolicy = pod.spec!.restartPolicy ?? "Always";
  return restartPolicy === "Always" ? undefined : `restartPolicy ${restartPolicy}`;
}

/** Each target's effective runAsUser (container, else pod), where the spec says one. */
function targetUsers(pod: IPod, targets: string[]): Map<string, number | undefined> {
  const spec = pod.spec!;
  const byName = new Map([...spec.containers, ...(spec.initContainers ?? [])].map((c) => [c.name, c]));
  return new Map(targets.map((name) => [name, byName.get(name)!.securityContext?.runAsUser ?? spec.securityContext?.runAsUser]));
}

/**
 * The sidecar's user: the one the targets run as, so they can read the 0600 files (and, with
 * reload-signal, so the sidecar may signal them), else the image's; or the problems with that.
 */
function sidecarUser(pod: IPod, targets: string[], request: InjectionRequest, prefix: string): { user: number; problems: string[] } {
  const users = targetUsers(pod, targets);
  const nonRoot = new Map<number, string[]>();
  for (const [name, user] of users) if (user !== undefined && user !== 0) nonRoot.set(user, [...(nonRoot.get(user) ?? []), name]);
  const user = request.runAsUser ?? nonRoot.keys().next().value ?? DEFAULT_SIDECAR_USER;
  const problems: string[] = [];
  if (request.runAsUser === undefined && nonRoot.size > 1)
    problems.push(
      `the app containers run as different users (${[...nonRoot].map(([id, names]) => `${names.join(", ")}: ${id}`).join("; ")}); the rendered files (0600) are readable by one: set ${prefix}/run-as-user or ${prefix}/containers`,
    );
  const others = [...users].filter(([, id]) => id !== user).map(([name]) => name);
  if (request.reloadSignal !== undefined && others.length > 0)
    problems.push(
      `${prefix}/reload-signal: the sidecar (user ${user}) can signal only processes of its own user; set runAsUser ${user} on ${others.join(", ")}`,
    );
  return { user, problems };
}

function targetProblems(pod: IPod, targets: string[], request: InjectionRequest, prefix: string): string[] {
  const spec = pod.spec!;
  const all = [...spec.containers, ...(spec.initContainers ?? [])];
  const problems: string[] = [];
  for (const name of targets) {
    const container = all.find((c) => c.name === name);
    if (container === undefined) {
      problems.push(`${prefix}/containers: no container named ${name} (the pod has ${all.map((c) => c.name).join(", ")})`);
      continue;
    }
    if ((container.volumeMounts ?? []).some((mount) => mount.mountPath.replace(/\/+$/, "") === request.outputPath))
      problems.push(`${prefix}/output-path: container ${name} already mounts something at ${request.outputPath}`);
  }
  return problems;
}

export function decide(pod: IPod, namespace: string, config: InjectorConfig): Decision {
  const prefix = config.annotationPrefix;
  const parsed = parseAnnotations(pod.metadata?.annotations ?? {}, prefix);
  if (!parsed.ok) return { kind: "refuse", problems: parsed.problems };
  const request = parsed.request;
  if (!request.inject) return { kind: "skip", reason: `not injected: ${prefix}/inject is not "true"` };
  if (alreadyInjected(pod)) return { kind: "unchanged", reason: "already injected" };

  const targets = request.containers ?? pod.spec!.containers.map((container) => container.name);
  const problems = targetProblems(pod, targets, request, prefix);
  if (problems.length > 0) return { kind: "refuse", problems };
  const { user, problems: userProblems } = sidecarUser(pod, targets, request, prefix);
  problems.push(...userProblems);
  const chosen = request.mode ?? config.defaultMode;
  const completing = runsToCompletion(pod);
  const mode: Mode = chosen === "init+sidecar" && completing !== undefined ? "init-only" : chosen;
  const reloads = request.reloadCommand !== undefined || request.reloadSignal !== undefined;
  if (reloads && chosen === "init-only")
    problems.push(`${prefix}/reload-*: mode init-only renders once and never reloads; choose another mode or drop the reload annotations`);
  if (problems.length > 0) return { kind: "refuse", problems };

  const fsGroup = pod.spec!.securityContext?.fsGroup === undefined ? user : undefined;
  const notes = [
    mode === chosen ? mode : `init-only (not ${chosen}: the pod is ${completing}, and a sidecar container would keep it from completing)`,
    `files at ${request.outputPath} in ${targets.join(", ")}`,
    ...(fsGroup !== undefined ? [`fsGroup ${fsGroup} set so the sidecar can read its token`] : []),
  ];
  return {
    kind: "inject",
    plan: { request, mode, targets, user, ...(fsGroup !== undefined && { fsGroup }), namespace, reason: `injected: ${notes.join("; ")}` },
  };
}

/** The pod's current status annotation, to leave a re-admitted pod alone. */
export function currentStatus(pod: IPod, config: InjectorConfig): string | undefined {
  return pod.metadata?.annotations?.[`${config.annotationPrefix}/${STATUS_ANNOTATION}`];
}
