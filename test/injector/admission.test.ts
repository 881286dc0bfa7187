/**
 * Real AdmissionReview requests through the webhook's decision: the JSON
 * Patch is applied with fast-json-patch and the resulting Pod validated
 * against the Kubernetes OpenAPI schema (kubernetes-models).
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPod } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { admit } from "../../injector/admission.js";
import type { InjectorConfig } from "../../injector/config.js";
import { READY_FILE } from "../../injector/names.js";
import {
  applyAndValidate,
  CONFIG,
  cronJobPod,
  deploymentPod,
  jobPod,
  PREFIX,
  patchOf,
  podWithInitContainersAndVolumes,
  podWithManyContainers,
  reviewOf,
} from "./reviews.js";

function admitPod(pod: IPod, config: InjectorConfig = CONFIG) {
  const { review, outcome } = admit(reviewOf(pod), config);
  return { review, outcome, result: review.response.allowed ? applyAndValidate(pod, review) : undefined };
}

function named(list: IContainer[] | undefined, name: string): IContainer {
  const found = (list ?? []).find((c) => c.name === name);
  if (found === undefined) throw new Error(`no container ${name} in ${(list ?? []).map((c) => c.name).join(", ")}`);
  return found;
}

const status = (pod: IPod) => pod.metadata!.annotations![`${PREFIX}/status`];

function expectHardened(container: IContainer, user: number): void {
  expect(container.securityContext).toEqual({
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  });
}

describe("secrets-injector admission", () => {
  it("injects a native sidecar into a Deployment's pod: probe, memory volume, read-only mount, token file only", () => {
    const { review, result } = admitPod(deploymentPod());
    expect(review.response.allowed).toBe(true);
    expect(review.response.patchType).toBe("JSONPatch");
    const spec = result!.spec!;
    const sidecar = spec.initContainers![0]!;
    expect(sidecar.name).toBe("secrets-sidecar");
    expect(sidecar.restartPolicy).toBe("Always");
    expect(sidecar.args![0]).toBe("watch");
    expect(sidecar.args).toContain(`--ready-file=${READY_FILE}`);
    expect(sidecar.startupProbe?.exec?.command).toEqual(["test", "-f", READY_FILE]);
    expectHardened(sidecar, 2000); // the app's user, so it can read the 0600 files
    expect(spec.containers).toHaveLength(1);

    const rendered = spec.volumes!.find((v) => v.name === "secrets-rendered")!;
    expect(rendered.emptyDir).toEqual({ medium: "Memory", sizeLimit: "16Mi" });
    expect(named(spec.containers, "payments").volumeMounts).toEqual([
      { name: "secrets-rendered", mountPath: "/run/secrets/rendered", readOnly: true },
    ]);

    const token = spec.volumes!.find((v) => v.name === "secrets-token")!;
    expect(token.projected!.defaultMode).toBe(0o400);
    expect(token.projected!.sources).toEqual([
      { secret: { name: "secrets-sidecar-token", items: [{ key: "token", path: "token" }] } },
      { configMap: { name: "secrets-service-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } },
    ]);
    // The token reaches the sidecar as a file, never an environment variable, and never the app.
    expect(sidecar.env!.find((e) => e.name === "SECRETS_TOKEN_FILE")?.value).toBe("/var/run/secrets-sidecar/token/token");
    expect(sidecar.env!.every((e) => e.valueFrom === undefined)).toBe(true);
    expect(named(spec.containers, "payments").volumeMounts!.some((m) => m.name === "secrets-token")).toBe(false);
    expect(sidecar.env).toContainEqual({ name: "SECRETS_CONSUMER_PREFIX", value: "payments" });
    // No fsGroup on the pod: one is set so the non-root sidecar can read the root-owned token.
    expect(spec.securityContext).toEqual({ fsGroup: 2000, fsGroupChangePolicy: "OnRootMismatch" });
    expect(status(result!)).toMatch(/^injected: native-sidecar; files at \/run\/secrets\/rendered in payments/);
  });

  it("a re-admitted injected pod is left exactly as it is", () => {
    const { result } = admitPod(deploymentPod());
    const again = admit(reviewOf(result), CONFIG);
    expect(again.review.response).toEqual({ uid: expect.any(String), allowed: true });
    expect(again.outcome.result).toBe("unchanged");
  });

  it("a Job's pod in init+sidecar mode gets init-only, and the status says why", () => {
    const annotations = { [`${PREFIX}/inject`]: "true", [`${PREFIX}/configmap`]: "migrate-configs", [`${PREFIX}/mode`]: "init+sidecar" };
    const { result } = admitPod(jobPod(annotations));
    const spec = result!.spec!;
    expect(spec.initContainers!.map((c) => c.name)).toEqual(["secrets-render"]);
    expect(spec.initContainers![0]!.restartPolicy).toBeUndefined();
    expect(spec.initContainers![0]!.args).toEqual(["render", "/var/run/secrets-sidecar/configmap"]);
    expect(spec.containers.map((c) => c.name)).toEqual(["migrate"]);
    expect(status(result!)).toContain("init-only (not init+sidecar: the pod is owned by Job migrate");
  });

  it("a Deployment's pod in init+sidecar mode gets an init container and a watching container", () => {
    const annotations = {
      [`${PREFIX}/inject`]: "true",
      [`${PREFIX}/configmap`]: "c",
      [`${PREFIX}/mode`]: "init+sidecar",
      [`${PREFIX}/reload-command`]: "kill -HUP 1",
    };
    const { result } = admitPod(deploymentPod(annotations));
    const spec = result!.spec!;
    expect(spec.initContainers!.map((c) => c.name)).toEqual(["secrets-render"]);
    expect(spec.containers.map((c) => c.name)).toEqual(["payments", "secrets-sidecar"]);
    expect(named(spec.containers, "secrets-sidecar").args).toContain("--on-change=kill -HUP 1");
  });

  it("a CronJob's pod gets the native sidecar, which the kubelet stops when the job's containers finish", () => {
    const { result } = admitPod(cronJobPod());
    expect(result!.spec!.initContainers!.map((c) => [c.name, c.restartPolicy])).toEqual([["secrets-sidecar", "Always"]]);
    expect(result!.spec!.restartPolicy).toBe("Never");
  });

  it("goes before the pod's own init containers, which can be given the files; existing volumes and mounts stay", () => {
    const annotations = { [`${PREFIX}/inject`]: "true", [`${PREFIX}/configmap`]: "c", [`${PREFIX}/containers`]: "migrate,app" };
    const { result } = admitPod(podWithInitContainersAndVolumes(annotations));
    const spec = result!.spec!;
    expect(spec.initContainers!.map((c) => c.name)).toEqual(["secrets-sidecar", "migrate", "warm-cache"]);
    expect(named(spec.initContainers, "migrate").volumeMounts!.map((m) => m.name)).toEqual(["data", "secrets-rendered"]);
    expect(named(spec.initContainers, "warm-cache").volumeMounts).toBeUndefined();
    expect(named(spec.containers, "app").volumeMounts!.map((m) => m.name)).toEqual(["data", "secrets-rendered"]);
    expect(spec.volumes!.map((v) => v.name)).toEqual([
      "data",
      "secrets-rendered",
      "secrets-sidecar-state",
      "secrets-token",
      "secrets-configs",
    ]);
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, fsGroup: 1000, fsGroupChangePolicy: "OnRootMismatch" });
  });

  it("mounts the files only into the chosen containers of a pod with many", () => {
    const annotations = { [`${PREFIX}/inject`]: "true", [`${PREFIX}/configmap`]: "c", [`${PREFIX}/containers`]: "c3, c10,c11" };
    const { result } = admitPod(podWithManyContainers(12, annotations));
    const mounted = result!.spec!.containers.filter((c) => c.volumeMounts?.some((m) => m.name === "secrets-rendered")).map((c) => c.name);
    expect(mounted).toEqual(["c3", "c10", "c11"]);
    expect(result!.spec!.containers).toHaveLength(12);
  });

  it("renders inline configs from the pod's own annotations through the downward API", () => {
    const annotations = {
      [`${PREFIX}/inject`]: "true",
      [`${PREFIX}/config.service.yaml`]: "kind: service\nname: payments\nkey: $<secret.STRIPE_KEY>\n",
      [`${PREFIX}/consumer-id`]: "service/payments",
      [`${PREFIX}/output-path`]: "/etc/payments/",
    };
    const { result } = admitPod(deploymentPod(annotations));
    const spec = result!.spec!;
    expect(spec.volumes!.find((v) => v.name === "secrets-inline-configs")!.downwardAPI).toEqual({
      defaultMode: 0o444,
      items: [{ path: "service.yaml", fieldRef: { fieldPath: `metadata.annotations['${PREFIX}/config.service.yaml']` } }],
    });
    const sidecar = spec.initContainers![0]!;
    expect(sidecar.args!.slice(0, 2)).toEqual(["watch", "/var/run/secrets-sidecar/inline"]);
    expect(sidecar.env).toContainEqual({ name: "SECRETS_CONSUMER_ID", value: "service/payments" });
    expect(sidecar.env).toContainEqual({ name: "SECRETS_OUTPUT_DIR", value: "/etc/payments" });
  });

  it("a reload signal shares the process namespace and signals the named process", () => {
    const annotations = {
      [`${PREFIX}/inject`]: "true",
      [`${PREFIX}/configmap`]: "c",
      [`${PREFIX}/reload-signal`]: "hup",
      [`${PREFIX}/reload-process`]: "payments",
    };
    const { result } = admitPod(deploymentPod(annotations));
    expect(result!.spec!.shareProcessNamespace).toBe(true);
    expect(result!.spec!.initContainers![0]!.args).toContain("--on-change=pkill -HUP -x payments");
  });

  it("takes resources and the user from annotations", () => {
    const annotations = {
      [`${PREFIX}/inject`]: "true",
      [`${PREFIX}/configmap`]: "c",
      [`${PREFIX}/cpu-request`]: "50m",
      [`${PREFIX}/memory-limit`]: "256Mi",
      [`${PREFIX}/cpu-limit`]: "0.5",
      [`${PREFIX}/run-as-user`]: "4242",
    };
    const sidecar = admitPod(deploymentPod(annotations)).result!.spec!.initContainers![0]!;
    expect(sidecar.resources).toEqual({ requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "0.5", memory: "256Mi" } });
    expect(sidecar.securityContext!.runAsUser).toBe(4242);
  });

  it("records why nothing was injected, once", () => {
    const { result, outcome } = admitPod(deploymentPod({}));
    expect(outcome.result).toBe("skipped");
    expect(status(result!)).toBe(`not injected: ${PREFIX}/inject is not "true"`);
    expect(result!.spec!.initContainers).toBeUndefined();
    expect(patchOf(admit(reviewOf(result), CONFIG).review)).toEqual([]);
  });

  it("does not mutate other operations", () => {
    const { review, outcome } = admit(reviewOf(deploymentPod(), { operation: "UPDATE" }), CONFIG);
    expect(review.response).toEqual({ uid: expect.any(String), allowed: true });
    expect(outcome.result).toBe("ignored");
  });
});
