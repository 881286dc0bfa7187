/**
 * The RFC 6902 JSON Patch that turns the admitted pod into the injected one.
 * Every "add" names a path that exists in the pod as admitted (a missing list
 * or map is added whole), so the patch applies exactly once.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import type { InjectedParts } from "./sidecar-spec.js";

export type PatchOperation = { op: "add"; path: string; value: unknown };

/** RFC 6901: "~" and "/" in a key. */
function pointerKey(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function appendAll(ops: PatchOperation[], path: string, existing: unknown[] | undefined, values: unknown[]): void {
  if (values.length === 0) return;
  if (existing === undefined) ops.push({ op: "add", path, value: values });
  else for (const value of values) ops.push({ op: "add", path: `${path}/-`, value });
}

/** Sets one annotation (adding the map when the pod has none). */
export function annotationPatch(pod: IPod, key: string, value: string): PatchOperation[] {
  if (pod.metadata?.annotations === undefined) {
    if (pod.metadata === undefined) return [{ op: "add", path: "/metadata", value: { annotations: { [key]: value } } }];
    return [{ op: "add", path: "/metadata/annotations", value: { [key]: value } }];
  }
  return [{ op: "add", path: `/metadata/annotations/${pointerKey(key)}`, value }];
}

export function injectionPatch(pod: IPod, parts: InjectedParts, targets: readonly string[], fsGroup: number | undefined): PatchOperation[] {
  const spec = pod.spec!;
  const ops: PatchOperation[] = [];
  appendAll(ops, "/spec/volumes", spec.volumes, parts.volumes);

  // Ours go first, in order, so the app's own init containers already see the rendered files.
  if (spec.initContainers === undefined) {
    if (parts.initContainers.length > 0) ops.push({ op: "add", path: "/spec/initContainers", value: parts.initContainers });
  } else
    for (const [i, container] of parts.initContainers.entries())
      ops.push({ op: "add", path: `/spec/initContainers/${i}`, value: container });

  const mountInto = (list: "containers" | "initContainers", index: number, mounts: unknown[] | undefined) =>
    appendAll(ops, `/spec/${list}/${index}/volumeMounts`, mounts, [parts.appMount]);
  spec.containers.forEach((container, i) => {
    if (targets.includes(container.name)) mountInto("containers", i, container.volumeMounts);
  });
  // The app's init containers have moved down by the number inserted before them.
  (spec.initContainers ?? []).forEach((container, i) => {
    if (targets.includes(container.name)) mountInto("initContainers", i + parts.initContainers.length, container.volumeMounts);
  });
  appendAll(ops, "/spec/containers", spec.containers, parts.containers);

  if (parts.shareProcessNamespace && spec.shareProcessNamespace !== true)
    ops.push({ op: "add", path: "/spec/shareProcessNamespace", value: true });
  if (fsGroup !== undefined) {
    const settings = { fsGroup, fsGroupChangePolicy: "OnRootMismatch" };
    if (spec.securityContext === undefined) ops.push({ op: "add", path: "/spec/securityContext", value: settings });
    else {
      ops.push({ op: "add", path: "/spec/securityContext/fsGroup", value: fsGroup });
      if (spec.securityContext.fsGroupChangePolicy === undefined)
        ops.push({ op: "add", path: "/spec/securityContext/fsGroupChangePolicy", value: settings.fsGroupChangePolicy });
    }
  }
  return ops;
}
