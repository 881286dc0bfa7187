/**
 * Plan mode, for CI before a deploy: parse the configs and report, per file,
 * every reference with its position and whether this token may resolve it —
 * the secret exists, is active, and is granted — without resolving anything.
 * The check reads each secret's version and state through the first message
 * of WatchSecrets (a snapshot), so no value is fetched and no access is
 * recorded. JSON fields are not checked: that needs the value.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { WatchEventType } from "../gen/secrets/v1/resolver_service_pb.js";
import { Role, SecretState } from "../gen/secrets/v1/types_pb.js";
import type { Reference } from "../kernel/references.js";
import { formatWhere, loadConfigs, type LoadOptions } from "./configs.js";
import { LocalFault } from "./local-files.js";
import { problemLine, WORKLOAD_TOKEN_HINT } from "./reference-problems.js";
import type { ResolverClient } from "./resolver-client.js";

/** What the service says about one secret name. */
type NameVerdict = { ok: true; version: bigint } | { ok: false; reason: string };

async function checkName(client: ResolverClient, name: string): Promise<NameVerdict> {
  const abort = new AbortController();
  try {
    for await (const event of client.watchSecrets([name], abort.signal)) {
      if (event.type !== WatchEventType.SUBSCRIBED) continue;
      const [secret] = event.snapshot;
      if (secret === undefined || secret.version === 0n) return { ok: false, reason: "no such secret" };
      if (secret.state !== SecretState.ACTIVE) return { ok: false, reason: "the secret is archived" };
      return { ok: true, version: secret.version };
    }
    return { ok: false, reason: "the service ended the check early" };
  } catch (error) {
    if (error instanceof LocalFault) throw error; // reported once, not per name
    const connectError = ConnectError.from(error);
    if (connectError.code === Code.PermissionDenied) return { ok: false, reason: "not granted to this token" };
    return { ok: false, reason: `${Code[connectError.code]} from the secrets service: ${connectError.rawMessage}` };
  } finally {
    abort.abort();
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
  const verdicts = new Map<string, NameVerdict>();
  await Promise.all([...names].map(async ([key, reference]) => verdicts.set(key, await checkName(client, reference.name))));

  let allOk = true;
  for (const config of configs) {
    out.write(`${config.displayPath} (consumer ${config.consumerId})\n`);
    const lines: { line: number; column: number; text: string }[] = [];
    for (const problem of config.template.problems) {
      allOk = false;
      lines.push({ ...problem.position, text: problemLine(formatWhere(config.displayPath, problem.position), problem.text, problem.message) });
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
    lines.sort((a, b) => a.line - b.line || a.column - b.column).forEach((entry) => out.write(`  ${entry.text}\n`));
  }
  if (role !== undefined && role !== Role.WORKLOAD) {
    allOk = false;
    out.write(`plan: this is a ${Role[role] === undefined ? "non-workload" : `ROLE_${Role[role]}`} token; ${WORKLOAD_TOKEN_HINT.replace("hint: ", "")}\n`);
  }
  out.write(allOk ? "plan: every reference would resolve\n" : "plan: some references would fail\n");
  return allOk;
}
