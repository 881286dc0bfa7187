/**
 * One AdmissionReview (admission.k8s.io/v1) in, one out: checks the review's
 * shape, decides, and answers with the JSON Patch, the reason, or a refusal.
 * A body that is not a review at all throws BadReview (HTTP 400): without a
 * request uid there is no review to answer.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import { STATUS_ANNOTATION } from "./annotations.js";
import type { InjectorConfig } from "./config.js";
import { currentStatus, decide } from "./decide.js";
import { annotationPatch, injectionPatch, type PatchOperation } from "./patch.js";
import { injectedParts } from "./sidecar-spec.js";

export class BadReview extends Error {}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  patchType?: "JSONPatch";
  patch?: string;
}

export interface AdmissionReviewOut {
  apiVersion: "admission.k8s.io/v1";
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** What the log records of one review: never a config or an annotation's value. */
export interface Outcome {
  pod: string;
  result: "injected" | "skipped" | "unchanged" | "refused" | "ignored";
  reason: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function review(response: AdmissionResponse): AdmissionReviewOut {
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response };
}

function patched(uid: string, ops: PatchOperation[]): AdmissionResponse {
  return ops.length === 0
    ? { uid, allowed: true }
    : { uid, allowed: true, patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") };
}

function refused(uid: string, message: string): AdmissionResponse {
  return { uid, allowed: false, status: { code: 400, message } };
}

/** The request's uid and pod, or the reason it cannot be read. */
function readRequest(body: unknown): { uid: string; request: Record<string, unknown> } {
  if (!isObject(body) || body.kind !== "AdmissionReview") throw new BadReview("expected an AdmissionReview object");
  if (body.apiVersion !== "admission.k8s.io/v1")
    throw new BadReview(`expected apiVersion admission.k8s.io/v1, got ${JSON.stringify(body.apiVersion)}`);
  const request = body.request;
  if (!isObject(request) || typeof request.uid !== "string" || request.uid.length === 0)
    throw new BadReview("the AdmissionReview has no request.uid");
  return { uid: request.uid, request };
}

function podName(request: Record<string, unknown>, pod: IPod): string {
  const namespace = typeof request.namespace === "string" ? request.namespace : "";
  const name = pod.metadata?.name ?? (pod.metadata?.generateName !== undefined ? `${pod.metadata.generateName}*` : "?");
  return `${namespace}/${name}`;
}

function wrongKind(request: Record<string, unknown>): string | undefined {
  const kind = request.kind;
  if (isObject(kind) && kind.group === "" && kind.version === "v1" && kind.kind === "Pod" && request.subResource === undefined)
    return undefined;
  const shown = isObject(kind)
    ? `${kind.group ? `${String(kind.group)}/` : ""}${String(kind.version)} ${String(kind.kind)}`
    : "an unknown kind";
  return `secrets-injector admits pods only, got ${shown}${request.subResource ? ` (${String(request.subResource)})` : ""}: check the MutatingWebhookConfiguration's rules`;
}

function invalidPod(object: unknown): string | undefined {
  if (!isObject(object) || !isObject(object.spec) || !Array.isArray(object.spec.containers))
    return "request.object is not a pod with spec.containers";
  const annotations = isObject(object.metadata) ? object.metadata.annotations : undefined;
  if (annotations !== undefined && (!isObject(annotations) || Object.values(annotations).some((v) => typeof v !== "string")))
    return "metadata.annotations must map names to strings";
  const lists = [object.spec.containers, object.spec.initContainers ?? [], object.spec.volumes ?? []];
  if (!lists.every((list) => Array.isArray(list) && list.every((item) => isObject(item) && typeof item.name === "string")))
    return "containers, initContainers and volumes must be lists of objects with a name";
  return undefined;
}

/** Answers one review; throws BadReview only when the body is not a review. */
export function admit(body: unknown, config: InjectorConfig): { review: AdmissionReviewOut; outcome: Outcome } {
  const { uid, request } = readRequest(body);
  const unknownPod = { pod: "?", result: "refused" as const };
  const kindProblem = wrongKind(request);
  if (kindProblem !== undefined) return { review: review(refused(uid, kindProblem)), outcome: { ...unknownPod, reason: kindProblem } };
  if (request.operation !== "CREATE") {
    const reason = `operation ${String(request.operation)}: only CREATE is mutated`;
    return { review: review({ uid, allowed: true }), outcome: { pod: "?", result: "ignored", reason } };
  }
  const podProblem = invalidPod(request.object);
  if (podProblem !== undefined) return { review: review(refused(uid, podProblem)), outcome: { ...unknownPod, reason: podProblem } };

  const pod = request.object as unknown as IPod;
  const namespace = typeof request.namespace === "string" ? request.namespace : (pod.metadata?.namespace ?? "default");
  const name = podName(request, pod);
  const decision = decide(pod, namespace, config);
  const statusKey = `${config.annotationPrefix}/${STATUS_ANNOTATION}`;
  switch (decision.kind) {
    case "refuse": {
      const message = `secrets-injector refused the pod: ${decision.problems.join("; ")}`;
      return { review: review(refused(uid, message)), outcome: { pod: name, result: "refused", reason: decision.problems.join("; ") } };
    }
    case "unchanged":
      return { review: review({ uid, allowed: true }), outcome: { pod: name, result: "unchanged", reason: decision.reason } };
    case "skip": {
      const ops = currentStatus(pod, config) === decision.reason ? [] : annotationPatch(pod, statusKey, decision.reason);
      return { review: review(patched(uid, ops)), outcome: { pod: name, result: "skipped", reason: decision.reason } };
    }
    case "inject": {
      const { plan } = decision;
      const ops = [
        ...injectionPatch(pod, injectedParts(plan, config), plan.targets, plan.fsGroup),
        ...annotationPatch(pod, statusKey, plan.reason),
      ];
      return { review: review(patched(uid, ops)), outcome: { pod: name, result: "injected", reason: plan.reason } };
    }
  }
}
