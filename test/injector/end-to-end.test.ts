/**
 * The injected pod, run for real on this machine: the webhook's answer is
 * applied to a Deployment's pod; its volumes become directories (the
 * ConfigMap's files, the inline config from the pod's annotation as the
 * downward API writes it, the token as the projected Secret holds it); the
 * native sidecar's command runs against the test service; its startup probe
 * passes only once the render is complete; the app's command reads the
 * rendered file and exits; the sidecar stops on SIGTERM as the kubelet
 * stops it when the app containers are done. A Job's pod: its render-once
 * init container exits 0 before the job's command, or 1 with nothing
 * written when a reference fails.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPod } from "kubernetes-models/v1/Pod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { admit } from "../../injector/admission.js";
import { expectNoValues, spawnSidecar, startSidecarFixture, token, type SidecarFixture } from "../sidecar/support.js";
import { applyAndValidate, CONFIG, deploymentPod, jobPod, PREFIX, reviewOf } from "./reviews.js";

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, "../..");
const VALUES = ["sk_live_end_to_end_4242", "worker-pass-e2e-9393"];
const SERVICE_CONFIG = "kind: service\nname: payments\nstripe:\n  secret_key: $<secret.STRIPE_KEY>\n";
const WORKER_CONFIG = "kind: worker\nname: payments-worker\npassword: $<secret.WORKER_PASSWORD>\n";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let f: SidecarFixture;

beforeAll(async () => {
  f = await startSidecarFixture(
    [
      { name: "STRIPE_KEY", type: SecretType.TOKEN, value: token(VALUES[0]!) },
      { name: "WORKER_PASSWORD", type: SecretType.TOKEN, value: token(VALUES[1]!) },
    ],
    ["STRIPE_KEY", "WORKER_PASSWORD"],
  );
});

afterAll(async () => {
  await f?.cleanup();
});

/** Host directories standing in for the pod's volumes, filled as the kubelet would. */
async function materialiseVolumes(pod: IPod, podName: string): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  for (const volume of pod.spec!.volumes ?? []) {
    const dir = join(f.dir, podName, volume.name);
    await mkdir(dir, { recursive: true });
    dirs.set(volume.name, dir);
    if (volume.configMap) await writeFile(join(dir, "service.yaml"), SERVICE_CONFIG);
    for (const item of volume.downwardAPI?.items ?? []) {
      const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(item.fieldRef!.fieldPath)![1]!;
      await writeFile(join(dir, item.path), pod.metadata!.annotations![annotation]!);
    }
    for (const source of volume.projected?.sources ?? [])
      if (source.secret) await copyFile(f.tokenFile, join(dir, source.secret.items![0]!.path));
  }
  return dirs;
}

/** A container's paths rewritten onto the host: its mounts onto the volume directories, the image's /app onto this repository. */
function onHost(container: IContainer, volumes: Map<string, string>): (text: string) => string {
  const mounts: [string, string][] = [
    ...(container.volumeMounts ?? []).map((m): [string, string] => [m.mountPath, volumes.get(m.name)!]),
    ["/app", repoRoot] as [string, string],
  ].sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    if (text === "node") return process.execPath;
    for (const [from, to] of mounts) {
      const at = new RegExp(`(^|=)${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=/|$)`);
      if (at.test(text)) return text.replace(at, `$1${to}`);
    }
    return text;
  };
}

/** Starts an injected container's command (the sidecar's bin) on the host. */
function startInjected(container: IContainer, volumes: Map<string, string>) {
  const path = onHost(container, volumes);
  const env = Object.fromEntries(container.env!.map((e) => [e.name, path(e.value!)]));
  const [node, bin, ...args] = [...container.command!, ...container.args!].map(path);
  expect([node, bin]).toEqual([process.execPath, join(repoRoot, "bin/secrets-sidecar.js")]);
  return spawnSidecar([...args, "--backoff-base-ms", "50"], { env });
}

/** Runs an app container's shell command, its output path mapped onto the rendered volume. */
async function runApp(container: IContainer, volumes: Map<string, string>, outputPath: string): Promise<string> {
  const command = container.command!.map((part) => part.replaceAll(outputPath, onHost(container, volumes)(outputPath)));
  return (await run(command[0]!, command.slice(1))).stdout;
}

const hashesIn = (sha256sumOutput: string) =>
  sha256sumOutput
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]);

async function probe(command: string[]): Promise<boolean> {
  try {
    await run(command[0]!, command.slice(1));
    return true;
  } catch {
    return false;
  }
}

describe("an injected pod, run for real", () => {
  it("the native sidecar renders, its probe passes only then, the app reads the file and exits, the sidecar stops", async () => {
    const annotations = {
      [`${PREFIX}/inject`]: "true",
      [`${PREFIX}/configmap`]: "payments-configs",
      [`${PREFIX}/config.worker.yaml`]: WORKER_CONFIG,
    };
    const original = deploymentPod(annotations);
    original.spec!.containers[0]!.command = ["sh", "-c", "sha256sum /run/secrets/rendered/service.yaml /run/secrets/rendered/worker.yaml"];
    const { review } = admit(reviewOf(original), { ...CONFIG, serviceAddress: f.svc.address, serviceCaConfigMap: undefined });
    const pod = applyAndValidate(original, review);
    const volumes = await materialiseVolumes(pod, "deployment-pod");

    const sidecar = pod.spec!.initContainers![0]!;
    expect(sidecar.restartPolicy).toBe("Always");
    const probeCommand = sidecar.startupProbe!.exec!.command!.map(onHost(sidecar, volumes));
    expect(await probe(probeCommand)).toBe(false);
    const running = startInjected(sidecar, volumes);

    // The probe passes only once both files are complete.
    const renderedDir = volumes.get("secrets-rendered")!;
    const expected = [join(renderedDir, "service.yaml"), join(renderedDir, "worker.yaml")];
    await expect.poll(() => probe(probeCommand), { timeout: 30_000, interval: 100 }).toBe(true);
    const rendered = await Promise.all(expected.map((file) => readFile(file, "utf8")));
    expect(rendered[0]).toBe(SERVICE_CONFIG.replace("$<secret.STRIPE_KEY>", VALUES[0]!));
    expect(rendered[1]).toBe(WORKER_CONFIG.replace("$<secret.WORKER_PASSWORD>", VALUES[1]!));

    // The app container: its command, with its mounts, reads the rendered files and exits.
    const stdout = await runApp(pod.spec!.containers[0]!, volumes, "/run/secrets/rendered");
    expect(hashesIn(stdout)).toEqual(rendered.map(sha256));

    // The app is done: the kubelet sends SIGTERM to the native sidecar, which exits cleanly.
    running.child.kill("SIGTERM");
    expect((await running.exited).code).toBe(0);
    expectNoValues(running.output(), VALUES);

    // Its consumers are registered under the pod's namespace.
    const consumers = await f.admin.secrets.listSecretConsumers({ name: "STRIPE_KEY" });
    expect(consumers.consumers.map((c) => c.id)).toEqual(["payments/service/payments"]);
  });

  it("a Job's pod in init+sidecar mode: the render container exits 0, then the job's command reads the file", async () => {
    const annotations = { [`${PREFIX}/inject`]: "true", [`${PREFIX}/configmap`]: "migrate-configs", [`${PREFIX}/mode`]: "init+sidecar" };
    const original = jobPod(annotations);
    original.spec!.containers[0]!.command = ["sh", "-c", "sha256sum /run/secrets/rendered/service.yaml"];
    const pod = applyAndValidate(
      original,
      admit(reviewOf(original), { ...CONFIG, serviceAddress: f.svc.address, serviceCaConfigMap: undefined }).review,
    );
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(["migrate"]); // nothing left running after the job
    const volumes = await materialiseVolumes(pod, "job-pod");

    const render = startInjected(pod.spec!.initContainers![0]!, volumes);
    expect((await render.exited).code).toBe(0);
    const stdout = await runApp(pod.spec!.containers[0]!, volumes, "/run/secrets/rendered");
    expect(hashesIn(stdout)).toEqual([sha256(SERVICE_CONFIG.replace("$<secret.STRIPE_KEY>", VALUES[0]!))]);
    expectNoValues(render.output(), VALUES);
  });

  it("fails closed: a render with an unknown reference exits 1 and writes nothing, so the job never starts", async () => {
    const annotations = {
      [`${PREFIX}/inject`]: "true",
      [`${PREFIX}/mode`]: "init-only",
      [`${PREFIX}/config.bad.yaml`]: "key: $<secret.NOT_THERE>\n",
    };
    const original = jobPod(annotations);
    const pod = applyAndValidate(
      original,
      admit(reviewOf(original), { ...CONFIG, serviceAddress: f.svc.address, serviceCaConfigMap: undefined }).review,
    );
    const volumes = await materialiseVolumes(pod, "failing-job-pod");
    const render = startInjected(pod.spec!.initContainers![0]!, volumes);
    expect((await render.exited).code).toBe(1);
    expect(render.output()).toContain("NOT_THERE");
    expect(await readdir(volumes.get("secrets-rendered")!)).toEqual([]);
  });
});
