/**
 * Every pod annotation the injector reads, in one table: its name (after the
 * prefix), the help text the README and the refusal messages use, and how its
 * value is parsed and checked. An annotation under the prefix that is not in
 * the table, or whose value does not parse, refuses the pod: injecting
 * something half-right is worse than a clear admission error.
 */
import { checkConsumerId } from "../kernel/names.js";

export const MODES = ["native-sidecar", "init-only", "init+sidecar"] as const;
export type Mode = (typeof MODES)[number];

/** What the annotations ask for, parsed; absent optional ones are undefined. */
export interface InjectionRequest {
  inject: boolean;
  configMap?: string;
  /** Inline configs: file name -> the annotation that holds it. */
  inlineConfigs: Map<string, string>;
  outputPath: string;
  containers?: string[];
  mode?: Mode;
  consumerId?: string;
  consumerPrefix?: string;
  tokenSecret: string;
  tokenSecretKey: string;
  reloadCommand?: string;
  reloadSignal?: string;
  reloadProcess?: string;
  runAsUser?: number;
  resources: { cpuRequest: string; memoryRequest: string; cpuLimit?: string; memoryLimit: string };
}

type Field = keyof InjectionRequest | `resources.${keyof InjectionRequest["resources"]}`;

interface AnnotationSpec {
  /** The name after `<prefix>/`. */
  name: string;
  /** Shown in the README table and in refusals. */
  help: string;
  /** Where the parsed value goes; undefined for annotations only read (status). */
  field?: Field;
  /** The value when the annotation is absent. */
  default?: string;
  /** The parsed value, or a string starting with "must" that says what is wrong. */
  parse(value: string): ParseResult;
}

type ParseResult = { value: unknown } | { problem: string };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
// A Kubernetes resource quantity without a sign: 100m, 0.5, 64Mi, 1e3.
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const SIGNAL = /^(SIG)?[A-Z0-9]+$/;
// pkill -x matches the 15-character comm name.
const PROCESS_NAME = /^[A-Za-z0-9._+-]{1,15}$/;
/** Inline config annotations: `<prefix>/config.<file name>`. */
export const INLINE_CONFIG = /^config\.([A-Za-z0-9_-][A-Za-z0-9._-]*\.ya?ml)$/;

const ok = (value: unknown): ParseResult => ({ value });
const bad = (problem: string): ParseResult => ({ problem });

function dnsName(maxLength: number, pattern: RegExp) {
  return (value: string): ParseResult =>
    value.length <= maxLength && pattern.test(value)
      ? ok(value)
      : bad(`must be a Kubernetes object name (lower-case letters, digits, '-', at most ${maxLength} characters)`);
}

function quantity(value: string): ParseResult {
  return QUANTITY.test(value) ? ok(value) : bad("must be a Kubernetes quantity such as 100m, 0.5, 64Mi or 1Gi");
}

function text(maxLength: number) {
  return (value: string): ParseResult =>
    value.trim().length > 0 && value.length <= maxLength ? ok(value) : bad(`must be non-empty text of at most ${maxLength} characters`);
}

function consumerId(value: string): ParseResult {
  const violations: Parameters<typeof checkConsumerId>[2] = [];
  checkConsumerId("consumer_id", value, violations);
  return violations.length === 0 ? ok(value) : bad(`must be valid: ${violations[0]!.description}`);
}

export const ANNOTATIONS: readonly AnnotationSpec[] = [
  {
    name: "inject",
    help: 'Opt in: "true" injects, "false" (or no annotation) leaves the pod alone.',
    field: "inject",
    default: "false",
    parse: (v) => (v === "true" ? ok(true) : v === "false" ? ok(false) : bad('must be "true" or "false"')),
  },
  {
    name: "configmap",
    help: "A ConfigMap in the pod's namespace whose .yaml/.yml keys are the configs to render.",
    field: "configMap",
    parse: dnsName(253, DNS_SUBDOMAIN),
  },
  {
    name: "config.<file>.yaml",
    help: "An inline config: the annotation's value is the YAML, rendered to `<output-path>/<file>.yaml`. Repeatable; combinable with configmap.",
    parse: text(256 * 1024),
  },
  {
    name: "output-path",
    help: "Where the rendered files appear (read-only) in the app containers.",
    field: "outputPath",
    default: "/run/secrets/rendered",
    parse: (v) =>
      v.startsWith("/") && v !== "/" && !v.split("/").includes("..") && !/[:\s]/.test(v) && v.length <= 255
        ? ok(v.replace(/\/+$/, ""))
        : bad("must be an absolute path other than /, without '..', ':' or spaces"),
  },
  {
    name: "containers",
    help: "Comma-separated app containers that get the rendered files; default: every container.",
    field: "containers",
    parse: (v) => {
      const names = v.split(",").map((name) => name.trim());
      return names.every((name) => DNS_LABEL.test(name) && name.length <= 63)
        ? ok(names)
        : bad("must be a comma-separated list of container names");
    },
  },
  {
    name: "mode",
    help: "`native-sidecar` (an init container with restartPolicy Always: renders, then watches; Kubernetes >= 1.29), `init-only` (render once), or `init+sidecar` (older clusters: an init container renders, a container watches; Job pods get init-only). Default: the injector's --default-mode.",
    field: "mode",
    parse: (v) => ((MODES as readonly string[]).includes(v) ? ok(v) : bad(`must be one of ${MODES.join(", ")}`)),
  },
  {
    name: "consumer-id",
    help: "The consumer id the config is registered under (only with exactly one config).",
    field: "consumerId",
    parse: consumerId,
  },
  {
    name: "consumer-prefix",
    help: "Prefix of derived consumer ids; default: the pod's namespace.",
    field: "consumerPrefix",
    parse: consumerId,
  },
  {
    name: "token-secret",
    help: "The Kubernetes Secret (in the pod's namespace) that holds the workload token; mounted only into the sidecar, mode 0400.",
    field: "tokenSecret",
    default: "secrets-sidecar-token",
    parse: dnsName(253, DNS_SUBDOMAIN),
  },
  {
    name: "token-secret-key",
    help: "The key of the token in that Secret.",
    field: "tokenSecretKey",
    default: "token",
    parse: (v) => (SECRET_KEY.test(v) && v.length <= 253 ? ok(v) : bad("must be a Secret key (letters, digits, '-', '_', '.')")),
  },
  {
    name: "reload-command",
    help: "Shell command the watching sidecar runs after a re-render changed a file.",
    field: "reloadCommand",
    parse: text(1024),
  },
  {
    name: "reload-signal",
    help: "Signal sent to `reload-process` after a change (needs reload-process; the pod then shares its process namespace).",
    field: "reloadSignal",
    parse: (v) =>
      SIGNAL.test(v.toUpperCase()) ? ok(v.toUpperCase().replace(/^(?!SIG)/, "SIG")) : bad("must be a signal name such as SIGHUP"),
  },
  {
    name: "reload-process",
    help: "Name of the app's process (as `pkill -x` matches it) that gets reload-signal.",
    field: "reloadProcess",
    parse: (v) => (PROCESS_NAME.test(v) ? ok(v) : bad("must be a process name of 1-15 letters, digits, '.', '_', '+', '-'")),
  },
  {
    name: "run-as-user",
    help: "The sidecar's user id; default: the app containers' runAsUser, else 1000. The rendered files (0600) are readable by this user.",
    field: "runAsUser",
    parse: (v) => (/^[1-9]\d{0,9}$/.test(v) && Number(v) < 2 ** 31 ? ok(Number(v)) : bad("must be a non-zero user id")),
  },
  { name: "cpu-request", help: "The sidecar's CPU request.", field: "resources.cpuRequest", default: "10m", parse: quantity },
  { name: "memory-request", help: "The sidecar's memory request.", field: "resources.memoryRequest", default: "64Mi", parse: quantity },
  { name: "cpu-limit", help: "The sidecar's CPU limit (none by default).", field: "resources.cpuLimit", parse: quantity },
  { name: "memory-limit", help: "The sidecar's memory limit.", field: "resources.memoryLimit", default: "128Mi", parse: quantity },
  {
    name: "status",
    help: "Written by the injector: why it did or did not inject (read it with kubectl get pod -o yaml).",
    parse: ok,
  },
];

export const STATUS_ANNOTATION = "status";

export type ParsedAnnotations = { ok: true; request: InjectionRequest } | { ok: false; problems: string[] };

function assign(request: Record<string, unknown>, field: Field, value: unknown): void {
  const [head, tail] = field.split(".") as [string, string | undefined];
  if (tail === undefined) request[head] = value;
  else (request[head] as Record<string, unknown>)[tail] = value;
}

function specFor(name: string): AnnotationSpec | undefined {
  return ANNOTATIONS.find((spec) => spec.name === name);
}

/** Parses every annotation under `prefix/`; all problems at once, so one refusal says everything. */
export function parseAnnotations(annotations: Record<string, string>, prefix: string): ParsedAnnotations {
  const request: Record<string, unknown> = { inlineConfigs: new Map<string, string>(), resources: {} };
  for (const spec of ANNOTATIONS) {
    if (spec.field === undefined || spec.default === undefined) continue;
    const parsed = spec.parse(spec.default);
    if ("value" in parsed) assign(request, spec.field, parsed.value);
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(`${prefix}/`)) continue;
    const name = key.slice(prefix.length + 1);
    const inline = INLINE_CONFIG.exec(name);
    const spec = inline ? specFor("config.<file>.yaml") : specFor(name);
    if (spec === undefined) {
      problems.push(`${key}: unknown annotation (known: ${ANNOTATIONS.map((s) => s.name).join(", ")})`);
      continue;
    }
    const parsed = spec.parse(value);
    if ("problem" in parsed) problems.push(`${key}: ${parsed.problem}`);
    else if (inline) (request.inlineConfigs as Map<string, string>).set(inline[1]!, key);
    else if (spec.field !== undefined) assign(request, spec.field, parsed.value);
  }
  if (problems.length === 0) problems.push(...combinationProblems(request as unknown as InjectionRequest, prefix));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, request: request as unknown as InjectionRequest };
}

/** Rules between annotations, checked once each parses. */
function combinationProblems(request: InjectionRequest, prefix: string): string[] {
  if (!request.inject) return [];
  const problems: string[] = [];
  if (request.configMap === undefined && request.inlineConfigs.size === 0)
    problems.push(`${prefix}/inject is "true" but there is nothing to render: add ${prefix}/configmap or ${prefix}/config.<file>.yaml`);
  if (request.consumerId !== undefined && (request.configMap !== undefined || request.inlineConfigs.size !== 1))
    problems.push(
      `${prefix}/consumer-id names one config: use it with exactly one ${prefix}/config.<file>.yaml and no configmap (else use consumer-prefix)`,
    );
  if ((request.reloadSignal === undefined) !== (request.reloadProcess === undefined))
    problems.push(`${prefix}/reload-signal and ${prefix}/reload-process go together`);
  if (request.reloadSignal !== undefined && request.reloadCommand !== undefined)
    problems.push(`${prefix}/reload-command and ${prefix}/reload-signal are alternatives: give one`);
  return problems;
}
