/**
 * Plan mode, for CI before a deploy: parse the configs and report, per file,
 * every reference with its position and whether this token may resolve it —
 * the secret exists, is active, and is granted — without resolving anything.
 * The check reads each secret's version and state through the first message
 * of WatchSecrets (a snapshot), so no value is fetched and no access is
 * recorded. JSON fields are not checked: that needs the value.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { WatchedSecret } from "../gen/secrets/v1/resolver_service_pb.js";
import { Role, SecretState } from "../gen/secrets/v1/types_pb.js";
import { REFERENCE_FAILURE_REASONS } from "../kernel/error-reasons.js";
import type { Reference } from "../kernel/references.js";
import { formatWhere, loadConfigs, type LoadOptions } from "./configs.js";
import { LocalFault } from "./local-files.js";
import { problemLine, WORKLOAD_TOKEN_HINT } from "./reference-problems.js";
import type { ResolverClient } from "./resolver-client.js";

/** What the service says about one secret name. */
type NameVerdict = { ok: true; version: bigint } | { ok: false; reason: string };

/** The most names one WatchSecrets stream may watch (the service's default). */
const NAMES_PER_CHECK = 1000;

function verdictOf(secret: WatchedSecret | undefined): NameVerdict {
  if (secret === undefined || secret.version === 0n) return { ok: false, reason: REFERENCE_FAILURE_REASONS.NOT_FOUND };
  if (secret.state !== SecretState.ACTIVE) return { ok: false, reason: REFERENCE_FAILURE_REASONS.ARCHIVED };
  return { ok: true, version: secret.version };
}

/**
 * Verdicts for these names from one snapshot. The service refuses a whole
 * stream when any name is not granted, so a refused group is halved until the
 * refused names stand alone: a few streams for a config with a few ungranted
 * names, not one per name (which the per-token stream limits would refuse).
 */
async function checkNames(client: ResolverClient, names: string[], verdicts: Map<string, NameVerdict>): Promise<void> {
  try {
    const snapshot = await client.snapshot(names);
    names.forEach((name, i) => {
      verdicts.set(name, verdictOf(snapshot[i]));
    });
  } catch (error) {
    if (error instanceof LocalFault) throw error; // reported once, not per name
    const connectError = ConnectError.from(error);
    if (connectError.code === Code.PermissionDenied && names.length > 1) {
      const half = Math.ceil(names.length / 2);
      await checkNames(client, names.slice(0, half), verdicts);
      await checkNames(client, names.slice(half), verdicts);
      return;
    }
    const reason =
      connectError.code === Code.PermissionDenied
        ? REFERENCE_FAILURE_REASONS.NOT_GRANTED
        : `${Code[connectError.code]} from the secrets service: ${connectError.rawMessage}`;
    for (const name of names) verdicts.set(name, { ok: false, reason });
  }
}

/** Prints the plan to `out`; returns whether every reference would resolve. */
export async function runPlan(client: ResolverClient, options: LoadOptions, out: NodeJS.WritableStream): Promise<boolean> {
  const configs = await loadConfigs(options);
  const names = new Map<string, Reference>();
  for (const config of configs) for (const found of config.template.references) names.set(found.reference.nameKey, found.reference);
  // An admin or viewer token sees the names exist and are active, but could not render them.
  const role = await client.callerRole().catch((error: unknown) => {
    if (error instanceof LocalFault) throw error;
    return undefined; // the name checks below report what is wrong with the service
  });
  const byName = new Map<string, NameVerdict>();
  const distinct = [...names.values()].map((reference) => reference.name);
  for (let i = 0; i < distinct.length; i += NAMES_PER_CHECK) await checkNames(client, distinct.slice(i, i + NAMES_PER_CHECK), byName);
  const verdicts = new Map([...names].map(([key, reference]) => [key, byName.get(reference.name)!]));

  let allOk = true;
  for (const config of configs) {
    out.write(`${config.displayPath} (consumer ${config.consumerId})\n`);
    const lines: { line: number; column: number; text: string }[] = [];
    for (const problem of config.template.problems) {
      allOk = false;
      lines.push({
        ...problem.position,
        text: problemLine(formatWhere(config.displayPath, problem.position), problem.text, problem.message),
      });
    }
    for (const { reference, position } of config.template.references) {
      const verdict = verdicts.get(reference.nameKey)!;
      const where = formatWhere(config.displayPath, position);
      if (verdict.ok) lines.push({ ...position, text: `${where} ${reference.source} — ok (version ${verdict.version}, active, granted)` });
      else {
        allOk = false;
        lines.push({ ...position, text: problemLine(where, reference.source, verdict.reason) });
      }
    }
    if (lines.length === 0) out.write("  no references\n");
    lines
      .sort((a, b) => a.line - b.line || a.column - b.column)
      .forEach((entry) => {
        out.write(`  ${entry.text}\n`);
      });
  }
  if (role !== undefined && role !== Role.WORKLOAD) {
    allOk = false;
    out.write(
      `plan: this is a ${Role[role] === undefined ? "non-workload" : `ROLE_${Role[role]}`} token; ${WORKLOAD_TOKEN_HINT.replace("hint: ", "")}\n`,
    );
  }
  out.write(allOk ? "plan: every reference would resolve\n" : "plan: some references would fail\n");
  return allOk;
}
