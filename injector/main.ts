/**
 * secrets-injector: the Kubernetes mutating admission webhook that adds the
 * secrets sidecar to annotated pods. Every flag has an environment variable
 * (flags win). Stops on SIGTERM/SIGINT after in-flight reviews finish.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { pino } from "pino";
import { MODES, type Mode } from "./annotations.js";
import type { InjectorConfig } from "./config.js";
import { startInjector } from "./server.js";

interface Flags {
  listen: string;
  tlsCert: string;
  tlsKey: string;
  sidecarImage: string;
  serviceAddress: string;
  serviceCaConfigmap?: string;
  serviceTls?: boolean;
  defaultMode: Mode;
  annotationPrefix: string;
  logLevel: string;
}

function hostPort(text: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) throw new InvalidArgumentError("must be host:port");
  return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

function prefix(text: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text) || text.length > 253)
    throw new InvalidArgumentError("must be a DNS subdomain such as secrets.example.com");
  return text;
}

function program(): Command {
  return new Command("secrets-injector")
    .description('Kubernetes mutating admission webhook: injects the secrets sidecar into pods annotated <prefix>/inject: "true"')
    .addOption(new Option("--listen <host:port>", "HTTPS listen address").env("INJECTOR_LISTEN").default("0.0.0.0:8443"))
    .addOption(
      new Option("--tls-cert <path>", "serving certificate (PEM), reloaded when it changes").env("INJECTOR_TLS_CERT").makeOptionMandatory(),
    )
    .addOption(new Option("--tls-key <path>", "its private key (PEM)").env("INJECTOR_TLS_KEY").makeOptionMandatory())
    .addOption(new Option("--sidecar-image <image>", "the secrets sidecar's image").env("INJECTOR_SIDECAR_IMAGE").makeOptionMandatory())
    .addOption(
      new Option("--service-address <host:port|url>", "the secrets service, as sidecars reach it")
        .env("INJECTOR_SERVICE_ADDRESS")
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--service-ca-configmap <name>",
        "ConfigMap (key ca.crt, in each pod's namespace) with the CA of the service's certificate",
      ).env("INJECTOR_SERVICE_CA_CONFIGMAP"),
    )
    .addOption(
      new Option("--service-tls", "TLS to the service with the system CAs (without --service-ca-configmap)").env("INJECTOR_SERVICE_TLS"),
    )
    .addOption(
      new Option("--default-mode <mode>", "mode of pods that do not choose one")
        .choices(MODES)
        .env("INJECTOR_DEFAULT_MODE")
        .default("native-sidecar"),
    )
    .addOption(
      new Option("--annotation-prefix <prefix>", "annotations are <prefix>/<name>")
        .env("INJECTOR_ANNOTATION_PREFIX")
        .default("secrets-injector")
        .argParser(prefix),
    )
    .addOption(new Option("--log-level <level>", "debug, info, warn, error").env("INJECTOR_LOG_LEVEL").default("info"));
}

/** Parses flags and runs the webhook until SIGTERM; resolves with the exit status. */
export async function runInjector(argv: readonly string[]): Promise<number> {
  const flags = program().parse(argv, { from: "user" }).opts<Flags>();
  const listen = hostPort(flags.listen);
  const config: InjectorConfig = {
    annotationPrefix: flags.annotationPrefix,
    sidecarImage: flags.sidecarImage,
    serviceAddress: flags.serviceAddress,
    ...(flags.serviceCaConfigmap !== undefined && { serviceCaConfigMap: flags.serviceCaConfigmap }),
    serviceTls: flags.serviceTls === true,
    defaultMode: flags.defaultMode,
  };
  const log = pino({ level: flags.logLevel, base: { service: "secrets-injector" } });
  const running = await startInjector(config, { cert: flags.tlsCert, key: flags.tlsKey }, listen, log);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info("stopping");
  await running.close();
  return 0;
}
