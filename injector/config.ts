/**
 * The injector's own settings (its flags): where the sidecar image is, how
 * the sidecar reaches the secrets service, and the defaults pods inherit.
 */
import type { Mode } from "./annotations.js";

export interface InjectorConfig {
  /** Annotations are `<prefix>/<name>`. */
  annotationPrefix: string;
  sidecarImage: string;
  /** The secrets service as the sidecar dials it (host:port or URL). */
  serviceAddress: string;
  /** A ConfigMap (in each pod's namespace, key ca.crt) with the CA that signed the service's certificate. */
  serviceCaConfigMap?: string;
  /** TLS with the system CAs (when there is no CA ConfigMap). */
  serviceTls: boolean;
  /** The mode of pods that do not choose one: native-sidecar needs Kubernetes >= 1.29. */
  defaultMode: Mode;
}

/** The sidecar's entry in the image (Dockerfile: WORKDIR /app). */
export const SIDECAR_COMMAND = ["node", "/app/bin/secrets-sidecar.js"];
/** The image's non-root user (node), used when the app does not name one. */
export const DEFAULT_SIDECAR_USER = 1000;
