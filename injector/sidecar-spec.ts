/**
 * The containers and volumes an injection adds, built from a plan: the
 * sidecar (native, init-only, or init + watching container), its hardened
 * security context, the memory-backed volume for rendered files, the configs
 * (ConfigMap and inline annotations through the downward API) and the token,
 * projected from a Secret with mode 0400 and mounted only into the sidecar.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import { SIDECAR_COMMAND, type InjectorConfig } from "./config.js";
import type { InjectionPlan } from "./decide.js";
import {
  CONFIGMAP_VOLUME,
  INLINE_VOLUME,
  READY_FILE,
  RENDER_CONTAINER,
  RENDERED_VOLUME,
  SIDECAR_CONTAINER,
  SIDECAR_PATHS,
  STATE_VOLUME,
  TOKEN_VOLUME,
} from "./names.js";

export interface InjectedParts {
  volumes: IVolume[];
  /** Put first, so the app's own init containers already see the rendered files. */
  initContainers: IContainer[];
  /** Appended (init+sidecar mode). */
  containers: IContainer[];
  /** Added to each target container. */
  appMount: IVolumeMount;
  /** Set when the sidecar signals the app's process. */
  shareProcessNamespace: boolean;
}

const MEMORY = "Memory";

function volumes(plan: InjectionPlan, config: InjectorConfig): IVolume[] {
  const { request } = plan;
  const list: IVolume[] = [
    { name: RENDERED_VOLUME, emptyDir: { medium: MEMORY, sizeLimit: "16Mi" } },
    { name: STATE_VOLUME, emptyDir: { medium: MEMORY, sizeLimit: "16Mi" } },
    {
      name: TOKEN_VOLUME,
      projected: {
        defaultMode: 0o400,
        sources: [
          { secret: { name: request.tokenSecret, items: [{ key: request.tokenSecretKey, path: "token" }] } },
          ...(config.serviceCaConfigMap !== undefined
            ? [{ configMap: { name: config.serviceCaConfigMap, items: [{ key: "ca.crt", path: "ca.crt" }] } }]
            : []),
        ],
      },
    },
  ];
  if (request.configMap !== undefined) list.push({ name: CONFIGMAP_VOLUME, configMap: { name: request.configMap, defaultMode: 0o444 } });
  if (request.inlineConfigs.size > 0)
    list.push({
      name: INLINE_VOLUME,
      downwardAPI: {
        defaultMode: 0o444,
        items: [...request.inlineConfigs].map(([file, annotation]) => ({
          path: file,
          fieldRef: { fieldPath: `metadata.annotations['${annotation}']` },
        })),
      },
    });
  return list;
}

function sidecarMounts(plan: InjectionPlan): IVolumeMount[] {
  return [
    { name: RENDERED_VOLUME, mountPath: plan.request.outputPath },
    { name: STATE_VOLUME, mountPath: SIDECAR_PATHS.state },
    { name: TOKEN_VOLUME, mountPath: SIDECAR_PATHS.token, readOnly: true },
    ...(plan.request.configMap !== undefined ? [{ name: CONFIGMAP_VOLUME, mountPath: SIDECAR_PATHS.configMap, readOnly: true }] : []),
    ...(plan.request.inlineConfigs.size > 0 ? [{ name: INLINE_VOLUME, mountPath: SIDECAR_PATHS.inline, readOnly: true }] : []),
  ];
}

function environment(plan: InjectionPlan, config: InjectorConfig): { name: string; value: string }[] {
  const { request } = plan;
  return [
    { name: "SECRETS_ADDRESS", value: config.serviceAddress },
    { name: "SECRETS_TOKEN_FILE", value: `${SIDECAR_PATHS.token}/token` },
    ...(config.serviceCaConfigMap !== undefined
      ? [{ name: "SECRETS_CA_FILE", value: `${SIDECAR_PATHS.token}/ca.crt` }]
      : config.serviceTls
        ? [{ name: "SECRETS_TLS", value: "true" }]
        : []),
    { name: "SECRETS_OUTPUT_DIR", value: request.outputPath },
    request.consumerId !== undefined
      ? { name: "SECRETS_CONSUMER_ID", value: request.consumerId }
      : { name: "SECRETS_CONSUMER_PREFIX", value: request.consumerPrefix ?? plan.namespace },
  ];
}

function inputs(plan: InjectionPlan): string[] {
  return [
    ...(plan.request.configMap !== undefined ? [SIDECAR_PATHS.configMap] : []),
    ...(plan.request.inlineConfigs.size > 0 ? [SIDECAR_PATHS.inline] : []),
  ];
}

function watchArgs(plan: InjectionPlan): string[] {
  const { request } = plan;
  const onChange =
    request.reloadCommand ??
    (request.reloadSignal !== undefined ? `pkill -${request.reloadSignal.replace(/^SIG/, "")} -x ${request.reloadProcess}` : undefined);
  return ["watch", ...inputs(plan), `--ready-file=${READY_FILE}`, ...(onChange !== undefined ? [`--on-change=${onChange}`] : [])];
}

function container(name: string, args: string[], plan: InjectionPlan, config: InjectorConfig): IContainer {
  const { resources } = plan.request;
  return {
    name,
    image: config.sidecarImage,
    imagePullPolicy: "IfNotPresent",
    command: SIDECAR_COMMAND,
    args,
    env: environment(plan, config),
    volumeMounts: sidecarMounts(plan),
    resources: {
      requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
      limits: { memory: resources.memoryLimit, ...(resources.cpuLimit !== undefined && { cpu: resources.cpuLimit }) },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: plan.user,
      runAsGroup: plan.user,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
}

export function injectedParts(plan: InjectionPlan, config: InjectorConfig): InjectedParts {
  const render = container(RENDER_CONTAINER, ["render", ...inputs(plan)], plan, config);
  const watch = container(SIDECAR_CONTAINER, watchArgs(plan), plan, config);
  const base = {
    volumes: volumes(plan, config),
    appMount: { name: RENDERED_VOLUME, mountPath: plan.request.outputPath, readOnly: true },
    shareProcessNamespace: plan.request.reloadSignal !== undefined && plan.mode !== "init-only",
  };
  switch (plan.mode) {
    case "init-only":
      return { ...base, initContainers: [render], containers: [] };
    case "init+sidecar":
      return { ...base, initContainers: [render], containers: [watch] };
    case "native-sidecar":
      return {
        ...base,
        initContainers: [
          {
            ...watch,
            restartPolicy: "Always",
            // The app containers start only once this passes: after the first complete render.
            startupProbe: { exec: { command: ["test", "-f", READY_FILE] }, periodSeconds: 1, failureThreshold: 600 },
          },
        ],
        containers: [],
      };
  }
}
