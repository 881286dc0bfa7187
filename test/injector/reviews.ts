/**
 * Pods as the API server hands them to the webhook, in real AdmissionReview
 * requests: a Deployment's pod (made by its ReplicaSet), a Job's, a
 * CronJob's, one with its own init containers and volumes, one with many
 * containers; and the tools to apply the answer's JSON Patch and check the
 * result against the Kubernetes OpenAPI schema.
 */
import { randomUUID } from "node:crypto";
import fastJsonPatch from "fast-json-patch";
import { Pod, type IPod } from "kubernetes-models/v1";
import type { AdmissionReviewOut } from "../../injector/admission.js";
import type { InjectorConfig } from "../../injector/config.js";

export const PREFIX = "secrets-injector";

export const CONFIG: InjectorConfig = {
  annotationPrefix: PREFIX,
  sidecarImage: "registry.example/secrets-sidecar:1.0",
  serviceAddress: "https://secrets.secrets-system.svc:50051",
  serviceCaConfigMap: "secrets-service-ca",
  serviceTls: false,
  defaultMode: "native-sidecar",
};

const inject = { [`${PREFIX}/inject`]: "true", [`${PREFIX}/configmap`]: "payments-configs" };

/** The kind of pod body a controller sends: no name yet (generateName), owner set. */
function pod(spec: Partial<NonNullable<IPod["spec"]>>, metadata: NonNullable<IPod["metadata"]> = {}): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: "payments", ...metadata },
    spec: { containers: [{ name: "app", image: "registry.example/payments:1.0" }], ...spec },
  };
}

export function deploymentPod(annotations: Record<string, string> = inject): IPod {
  return pod(
    {
      containers: [
        {
          name: "payments",
          image: "registry.example/payments:1.0",
          args: ["--config", "/run/secrets/rendered/service.yaml"],
          securityContext: { runAsUser: 2000 },
        },
      ],
    },
    {
      generateName: "payments-7d9f8b6c5-",
      labels: { app: "payments", "pod-template-hash": "7d9f8b6c5" },
      annotations,
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "payments-7d9f8b6c5",
          uid: randomUUID(),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
  );
}

export function jobPod(annotations: Record<string, string> = inject, jobName = "migrate"): IPod {
  return pod(
    { restartPolicy: "Never", containers: [{ name: "migrate", image: "registry.example/migrate:1.0" }] },
    {
      generateName: `${jobName}-`,
      labels: { "batch.kubernetes.io/job-name": jobName, "job-name": jobName },
      annotations,
      ownerReferences: [
        { apiVersion: "batch/v1", kind: "Job", name: jobName, uid: randomUUID(), controller: true, blockOwnerDeletion: true },
      ],
    },
  );
}

/** A CronJob's pod: its Job is named after the CronJob and the scheduled minute. */
export function cronJobPod(annotations: Record<string, string> = inject): IPod {
  return jobPod(annotations, "report-29044080");
}

export function podWithInitContainersAndVolumes(annotations: Record<string, string> = inject): IPod {
  return pod(
    {
      initContainers: [
        { name: "migrate", image: "registry.example/migrate:1.0", volumeMounts: [{ name: "data", mountPath: "/data" }] },
        { name: "warm-cache", image: "registry.example/cache:1.0" },
      ],
      containers: [{ name: "app", image: "registry.example/app:1.0", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      volumes: [{ name: "data", emptyDir: {} }],
      securityContext: { runAsNonRoot: true },
    },
    { name: "app-0", annotations },
  );
}

export function podWithManyContainers(count: number, annotations: Record<string, string>): IPod {
  return pod(
    {
      containers: Array.from({ length: count }, (_, i) => ({
        name: `c${i}`,
        image: "registry.example/worker:1.0",
        ...(i % 2 === 0 && { volumeMounts: [] }),
      })),
    },
    { name: "workers", annotations },
  );
}

export function reviewOf(object: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: randomUUID(),
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: { group: "", version: "v1", kind: "Pod" },
      requestResource: { group: "", version: "v1", resource: "pods" },
      namespace: "payments",
      operation: "CREATE",
      userInfo: {
        username: "system:serviceaccount:kube-system:replicaset-controller",
        groups: ["system:serviceaccounts", "system:authenticated"],
      },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
      ...overrides,
    },
  };
}

export function patchOf(review: AdmissionReviewOut): fastJsonPatch.Operation[] {
  const { patch } = review.response;
  return patch === undefined ? [] : (JSON.parse(Buffer.from(patch, "base64").toString("utf8")) as fastJsonPatch.Operation[]);
}

/** Applies the answer's patch (strictly: every path must exist as the patch says) and validates the result. */
export function applyAndValidate(original: IPod, review: AdmissionReviewOut): IPod {
  const ops = patchOf(review);
  const error = fastJsonPatch.validate(ops, original);
  if (error !== undefined) throw error;
  const result = fastJsonPatch.applyPatch(fastJsonPatch.deepClone(original) as IPod, ops, true, false).newDocument;
  new Pod(result).validate();
  return result;
}
