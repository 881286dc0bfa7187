/**
 * Unknown or malformed annotations, and asks the pod cannot honour, refuse
 * the pod with the reason (allowed: false) rather than injecting something
 * half-right; reviews of the wrong kind are refused too.
 */
import { describe, expect, it } from "vitest";
import { admit } from "../../injector/admission.js";
import { CONFIG, deploymentPod, PREFIX, reviewOf } from "./reviews.js";

const base = { [`${PREFIX}/inject`]: "true", [`${PREFIX}/configmap`]: "payments-configs" };

function refusal(annotations: Record<string, string>): string {
  const { review, outcome } = admit(reviewOf(deploymentPod(annotations)), CONFIG);
  expect(review.response.allowed).toBe(false);
  expect(review.response.patch).toBeUndefined();
  expect(outcome.result).toBe("refused");
  expect(review.response.status!.code).toBe(400);
  return review.response.status!.message;
}

describe("secrets-injector refusals", () => {
  it.each([
    [{ [`${PREFIX}/injcet`]: "true" }, `${PREFIX}/injcet: unknown annotation (known: inject, configmap`],
    [{ [`${PREFIX}/inject`]: "yes" }, `${PREFIX}/inject: must be "true" or "false"`],
    [{ ...base, [`${PREFIX}/mode`]: "sidecar" }, `${PREFIX}/mode: must be one of native-sidecar, init-only, init+sidecar`],
    [{ ...base, [`${PREFIX}/output-path`]: "rendered" }, `${PREFIX}/output-path: must be an absolute path`],
    [{ ...base, [`${PREFIX}/output-path`]: "/run/../etc" }, `${PREFIX}/output-path: must be an absolute path`],
    [{ ...base, [`${PREFIX}/cpu-request`]: "lots" }, `${PREFIX}/cpu-request: must be a Kubernetes quantity`],
    [{ ...base, [`${PREFIX}/memory-limit`]: "-1Gi" }, `${PREFIX}/memory-limit: must be a Kubernetes quantity`],
    [{ ...base, [`${PREFIX}/configmap`]: "Payments_Configs" }, `${PREFIX}/configmap: must be a Kubernetes object name`],
    [{ ...base, [`${PREFIX}/token-secret`]: "" }, `${PREFIX}/token-secret: must be a Kubernetes object name`],
    [
      { ...base, [`${PREFIX}/consumer-id`]: "has space" },
      `${PREFIX}/consumer-id: must be valid: consumer id must be 1-256 printable ASCII`,
    ],
    [{ ...base, [`${PREFIX}/run-as-user`]: "0" }, `${PREFIX}/run-as-user: must be a non-zero user id`],
    [{ ...base, [`${PREFIX}/reload-signal`]: "SIGHUP" }, `${PREFIX}/reload-signal and ${PREFIX}/reload-process go together`],
    [
      { ...base, [`${PREFIX}/reload-signal`]: "HUP", [`${PREFIX}/reload-process`]: "p", [`${PREFIX}/reload-command`]: "x" },
      "are alternatives",
    ],
    [{ ...base, [`${PREFIX}/mode`]: "init-only", [`${PREFIX}/reload-command`]: "x" }, "mode init-only renders once and never reloads"],
    [{ [`${PREFIX}/inject`]: "true" }, "there is nothing to render"],
    [{ ...base, [`${PREFIX}/consumer-id`]: "service/a" }, `${PREFIX}/consumer-id names one config`],
    [{ ...base, [`${PREFIX}/containers`]: "payments,worker" }, `${PREFIX}/containers: no container named worker (the pod has payments)`],
    [{ ...base, [`${PREFIX}/config.bad name.yaml`]: "a: b" }, `${PREFIX}/config.bad name.yaml: unknown annotation`],
    [{ ...base, [`${PREFIX}/config.service.json`]: "{}" }, `${PREFIX}/config.service.json: unknown annotation`],
  ])("%j is refused: %s", (annotations, reason) => {
    expect(refusal(annotations)).toContain(reason);
  });

  it("names every problem at once", () => {
    const message = refusal({ ...base, [`${PREFIX}/mode`]: "x", [`${PREFIX}/cpu-limit`]: "y", [`${PREFIX}/colour`]: "z" });
    expect(message).toMatch(/mode: .*; .*cpu-limit: .*; .*colour: unknown annotation/);
  });

  it("refuses an unknown annotation even without inject, so a typo is never silently ignored", () => {
    expect(refusal({ [`${PREFIX}/inject `]: "true" })).toContain("unknown annotation");
  });

  it("refuses an output path the app already mounts something at", () => {
    const pod = deploymentPod(base);
    pod.spec!.containers[0]!.volumeMounts = [{ name: "other", mountPath: "/run/secrets/rendered/" }];
    pod.spec!.volumes = [{ name: "other", emptyDir: {} }];
    const { review } = admit(reviewOf(pod), CONFIG);
    expect(review.response.status!.message).toContain("container payments already mounts something at /run/secrets/rendered");
  });

  it("refuses when the app containers run as different users (only one can read the 0600 files)", () => {
    const pod = deploymentPod(base);
    pod.spec!.containers.push({ name: "worker", image: "w", securityContext: { runAsUser: 3000 } });
    const { review } = admit(reviewOf(pod), CONFIG);
    expect(review.response.status!.message).toContain("payments: 2000; worker: 3000");
  });

  it("refuses reload-signal when the sidecar could not signal the app (another user)", () => {
    const pod = deploymentPod({
      ...base,
      [`${PREFIX}/reload-signal`]: "HUP",
      [`${PREFIX}/reload-process`]: "payments",
      [`${PREFIX}/run-as-user`]: "1000",
    });
    const { review } = admit(reviewOf(pod), CONFIG);
    expect(review.response.status!.message).toContain(
      "reload-signal: the sidecar (user 1000) can signal only processes of its own user; set runAsUser 1000 on payments",
    );
  });

  it.each([
    [{ kind: { group: "apps", version: "v1", kind: "Deployment" } }, "admits pods only, got apps/v1 Deployment"],
    [{ subResource: "status" }, "admits pods only, got v1 Pod (status)"],
    [{ object: { kind: "Pod", spec: {} } }, "request.object is not a pod with spec.containers"],
    [{ object: { spec: { containers: [{ image: "x" }] } } }, "must be lists of objects with a name"],
    [{ object: { metadata: { annotations: { a: 1 } }, spec: { containers: [] } } }, "metadata.annotations must map names to strings"],
  ])("a review of %j is refused: %s", (overrides, reason) => {
    const { review } = admit(reviewOf(deploymentPod(base), overrides), CONFIG);
    expect(review.response.allowed).toBe(false);
    expect(review.response.status!.message).toContain(reason);
  });
});
