/** Names and paths of everything the injector adds to a pod: one place, so "already injected" can be recognised. */

/** Native sidecar (init container with restartPolicy Always) or, in init+sidecar mode, the watching container. */
export const SIDECAR_CONTAINER = "secrets-sidecar";
/** The init container that renders once (init-only and init+sidecar modes). */
export const RENDER_CONTAINER = "secrets-render";
export const INJECTED_CONTAINERS = [SIDECAR_CONTAINER, RENDER_CONTAINER] as const;

/** Memory-backed emptyDir: the rendered files. */
export const RENDERED_VOLUME = "secrets-rendered";
/** The ConfigMap with the configs. */
export const CONFIGMAP_VOLUME = "secrets-configs";
/** Inline configs, projected from the pod's own annotations (downward API). */
export const INLINE_VOLUME = "secrets-inline-configs";
/** The workload token (and the service's CA), projected 0400. */
export const TOKEN_VOLUME = "secrets-token";
/** The sidecar's scratch space: the ready file, and /tmp on a read-only root filesystem. */
export const STATE_VOLUME = "secrets-sidecar-state";
export const INJECTED_VOLUMES = [RENDERED_VOLUME, CONFIGMAP_VOLUME, INLINE_VOLUME, TOKEN_VOLUME, STATE_VOLUME] as const;

/** Mount paths inside the sidecar. */
export const SIDECAR_PATHS = {
  configMap: "/var/run/secrets-sidecar/configmap",
  inline: "/var/run/secrets-sidecar/inline",
  token: "/var/run/secrets-sidecar/token",
  state: "/tmp",
} as const;

/** Written by the sidecar after its first complete render; the startup probe waits for it. */
export const READY_FILE = `${SIDECAR_PATHS.state}/secrets-sidecar.ready`;
