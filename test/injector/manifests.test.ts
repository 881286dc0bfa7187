/**
 * The install manifests (deploy/kubernetes) and the examples (examples/
 * injector) are valid Kubernetes objects by the OpenAPI schema; the
 * examples' pods pass through the webhook and come out injected and valid.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Certificate, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount, type IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { admit } from "../../injector/admission.js";
import { ANNOTATIONS } from "../../injector/annotations.js";
import { applyAndValidate, CONFIG, reviewOf } from "./reviews.js";

const root = join(import.meta.dirname, "../..");

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "apps/v1/Deployment": Deployment,
  "batch/v1/CronJob": CronJob,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": MutatingWebhookConfiguration,
  "cert-manager.io/v1/Issuer": Issuer,
  "cert-manager.io/v1/Certificate": Certificate,
};

function objectsIn(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(root, file), "utf8")).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as KubeObject;
  });
}

const kustomization = objectsIn("deploy/kubernetes/kustomization.yaml")[0] as unknown as { resources: string[] };
const installFiles = kustomization.resources.map((file) => `deploy/kubernetes/${file}`);
const exampleFiles = ["examples/injector/deployment.yaml", "examples/injector/cronjob.yaml"];

function validate(object: KubeObject): void {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (model === undefined) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new model(object as never).validate();
}

describe("install manifests and examples", () => {
  it.each([...installFiles, ...exampleFiles])("%s holds valid Kubernetes objects", (file) => {
    for (const object of objectsIn(file)) validate(object);
  });

  it("installs two replicas, a webhook on pod CREATE in opted-in namespaces, and no API access", () => {
    const all = installFiles.flatMap(objectsIn);
    const deployment = new Deployment(all.find((o) => o.kind === "Deployment") as never);
    expect(deployment.spec!.replicas).toBe(2);
    expect(deployment.spec!.template.spec!.automountServiceAccountToken).toBe(false);
    expect(all.filter((o) => /Role/.test(o.kind))).toEqual([]);
    const webhook = new MutatingWebhookConfiguration(all.find((o) => o.kind === "MutatingWebhookConfiguration") as never).webhooks![0]!;
    expect(webhook.rules).toEqual([
      { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" },
    ]);
    expect(webhook.failurePolicy).toBe("Fail");
    expect(webhook.namespaceSelector!.matchExpressions).toContainEqual({ key: "secrets-injection", operator: "In", values: ["enabled"] });
    expect(webhook.clientConfig.service).toMatchObject({ name: "secrets-injector", namespace: "secrets-system", path: "/mutate" });
  });

  it.each(exampleFiles)("the pods of %s come out of the webhook injected and valid", (file) => {
    for (const object of objectsIn(file)) {
      type Template = Pick<IPod, "metadata" | "spec">;
      const template =
        object.kind === "Deployment"
          ? (object.spec!.template as Template)
          : object.kind === "CronJob"
            ? (object.spec as { jobTemplate: { spec: { template: Template } } }).jobTemplate.spec.template
            : undefined;
      if (template === undefined) continue;
      const pod: IPod = {
        apiVersion: "v1",
        kind: "Pod",
        ...template,
        metadata: { ...template.metadata, generateName: `${object.metadata.name}-` },
      };
      const { review, outcome } = admit(reviewOf(pod, { namespace: object.metadata.namespace }), CONFIG);
      expect(outcome).toMatchObject({ result: "injected" });
      const injected = applyAndValidate(pod, review);
      expect(injected.spec!.initContainers![0]!.name).toBe("secrets-sidecar");
    }
  });

  it("the README's table lists every annotation of injector/annotations.ts, and no other", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const listed = [...readme.matchAll(/^\| `secrets-injector\/([^`]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(ANNOTATIONS.map((spec) => spec.name));
  });
});
