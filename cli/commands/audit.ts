/**
 * `audit`: the tenant's audit trail, filtered, printed oldest first (like a
 * log); `--follow` keeps polling for new events until interrupted.
 */
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Option, type Command } from "commander";
import { AdminService } from "../../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";
import { AuditEventSchema, AuditOutcome, type AuditEvent } from "../../gen/secrets/v1/types_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ListAuditEventsRequestSchema } from "../../gen/secrets/v1/admin_service_pb.js";
import type { ServiceClients } from "../client.js";
import { connect, outputFormat } from "../command-context.js";
import type { CliCommand } from "./cli-command.js";
import { positiveInt } from "../../kernel/int-flags.js";
import { parsePastTime } from "../flag-parsers.js";
import { formatTime, messageJson, printJson, printLine, printNotice, renderTable, type OutputFormat } from "../output.js";

const OUTCOME_FLAG_VALUES = { success: AuditOutcome.SUCCESS, denied: AuditOutcome.DENIED, failed: AuditOutcome.FAILED } as const;
const AUDIT_COLUMNS = ["TIME", "ACTOR", "ACTION", "RESOURCES", "OUTCOME", "STATUS", "VERSION", "CONSUMER"];
const SERVICES = [SecretsService, ResolverService, AdminService];

interface AuditOptions {
  action?: string;
  secret?: string;
  actor?: string;
  outcome?: keyof typeof OUTCOME_FLAG_VALUES;
  since?: Date;
  until?: Date;
  limit: number;
  follow?: boolean;
  interval: number;
}

type Filters = MessageInitShape<typeof ListAuditEventsRequestSchema>;

/** `DeleteSecret` or the full `secrets.v1.SecretsService/DeleteSecret`. */
function fullActionName(action: string): string {
  if (action.includes("/")) return action;
  const service = SERVICES.find((s) => s.methods.some((m) => m.name === action));
  return service ? `${service.typeName}/${action}` : action;
}

function auditRow(event: AuditEvent): string[] {
  return [
    formatTime(event.time),
    event.actorTokenId || "-",
    event.action.replace(/^secrets\.v1\./, ""),
    event.resources.join(",") || "-",
    AuditOutcome[event.outcome],
    event.statusCode,
    event.version > 0n ? String(event.version) : "-",
    event.consumerId || "-",
  ];
}

/** Newest first from the service, up to `limit` events. */
async function newestEvents(clients: ServiceClients, filters: Filters, limit: number): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let pageToken = "";
  do {
    const page = await clients.admin.listAuditEvents({ ...filters, pageToken, pageSize: Math.min(limit - events.length, 1000) });
    events.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken !== "" && events.length < limit);
  return events.slice(0, limit);
}

export const auditCommand: CliCommand = {
  path: ["audit"],
  define: (command) =>
    command
      .description("show the audit trail (oldest first), optionally following new events")
      .option("--action <method>", "only this RPC, e.g. DeleteSecret or secrets.v1.SecretsService/DeleteSecret")
      .option("--secret <name>", "only events involving this secret (case-insensitive)")
      .option("--actor <token-id>", "only events by this token")
      .addOption(new Option("--outcome <outcome>", "only this outcome").choices(Object.keys(OUTCOME_FLAG_VALUES)))
      .option("--since <time>", "only events at or after: ISO 8601 time or a duration ago (15m, 2h, 7d)", parsePastTime)
      .option("--until <time>", "only events before: ISO 8601 time or a duration ago", parsePastTime)
      .option("--limit <n>", "at most this many of the newest events", positiveInt, 50)
      .option("-f, --follow", "keep polling for new events until interrupted (JSON output: one event per line)")
      .option("--interval <ms>", "polling interval for --follow", positiveInt, 2000)
      .action(async (options: AuditOptions, command: Command) => {
        const clients = await connect(command);
        const filters: Filters = {
          action: options.action ? fullActionName(options.action) : "",
          resource: options.secret ?? "",
          actorTokenId: options.actor ?? "",
          outcome: options.outcome ? OUTCOME_FLAG_VALUES[options.outcome] : AuditOutcome.UNSPECIFIED,
          ...(options.since && { startTime: timestampFromDate(options.since) }),
          ...(options.until && { endTime: timestampFromDate(options.until) }),
        };
        const format = outputFormat(command);
        const events = (await newestEvents(clients, filters, options.limit)).reverse();
        if (!options.follow) {
          if (format === "json") printJson(events.map((e) => messageJson(AuditEventSchema, e)));
          else printLine(renderTable(AUDIT_COLUMNS, events.map(auditRow)));
          return;
        }
        if (format === "table") printLine(renderTable(AUDIT_COLUMNS, events.map(auditRow)));
        else for (const e of events) printLine(JSON.stringify(messageJson(AuditEventSchema, e)));
        await follow(clients, filters, events, format, options.interval);
      }),
};

/**
 * Polls for events at or after the newest one seen. Events sharing that
 * timestamp are told apart by id, so none is printed twice or skipped.
 * Runs until the process is interrupted.
 */
async function follow(
  clients: ServiceClients,
  filters: Filters,
  seen: AuditEvent[],
  format: OutputFormat,
  intervalMs: number,
): Promise<never> {
  const widths = AUDIT_COLUMNS.map((h, i) => Math.max(h.length, ...seen.map((e) => (auditRow(e)[i] ?? "").length)));
  let newest = seen.at(-1)?.time;
  let idsAtNewest = idsAt(seen, newest);
  printNotice("following new events; Ctrl-C to stop");
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const since: Filters = { ...filters, ...(newest && { startTime: newest }) };
    const fresh = (await newestEvents(clients, since, Number.MAX_SAFE_INTEGER)).filter((e) => !idsAtNewest.has(e.id)).reverse();
    for (const event of fresh) {
      if (format === "json") printLine(JSON.stringify(messageJson(AuditEventSchema, event)));
      else
        printLine(
          auditRow(event)
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join("  ")
            .trimEnd(),
        );
    }
    const latest = fresh.at(-1)?.time;
    if (!latest) continue;
    idsAtNewest = sameTime(latest, newest) ? new Set([...idsAtNewest, ...idsAt(fresh, latest)]) : idsAt(fresh, latest);
    newest = latest;
  }
}

function idsAt(events: AuditEvent[], time: Timestamp | undefined): Set<string> {
  return new Set(events.filter((e) => sameTime(e.time, time)).map((e) => e.id));
}

function sameTime(a: Timestamp | undefined, b: Timestamp | undefined): boolean {
  return a !== undefined && b !== undefined && timestampDate(a).getTime() === timestampDate(b).getTime();
}
