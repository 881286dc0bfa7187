/**
 * Turns failures into the lines the sidecar prints: one per failing place,
 * `file:line:column reference — reason`. The service's ReferenceErrors detail
 * indexes the request; each index is mapped back to every place that
 * placeholder is written. Nothing here ever sees a value.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { ReferenceErrorsSchema } from "../gen/secrets/v1/resolver_service_pb.js";
import { formatWhere, type LoadedConfig, type Occurrence } from "./configs.js";

export function problemLine(where: string, text: string, reason: string): string {
  return text === "" ? `${where} — ${reason}` : `${where} ${text} — ${reason}`;
}

/** Problems found in the files themselves. */
export function templateProblems(configs: readonly LoadedConfig[]): string[] {
  return configs.flatMap((config) =>
    config.template.problems.map((p) => problemLine(formatWhere(config.displayPath, p.position), p.text, p.message)),
  );
}

function describeCallFailure(error: ConnectError): string {
  return `${Code[error.code] ?? "error"} from the secrets service: ${error.rawMessage}`;
}

/**
 * The lines for a failed call about `requested` (placeholder texts in request
 * order). With a ReferenceErrors detail only the listed references fail;
 * otherwise (service unreachable, token refused) every one does.
 */
export function callProblems(error: unknown, requested: readonly string[], occurrences: Map<string, Occurrence[]>): string[] {
  const connectError = ConnectError.from(error);
  const details = connectError.findDetails(ReferenceErrorsSchema).flatMap((detail) => detail.errors);
  const failing: [string, string][] =
    details.length > 0
      ? details.map((failure) => [requested[failure.index] ?? failure.reference, failure.message])
      : requested.map((text) => [text, describeCallFailure(connectError)]);
  return failing.flatMap(([text, reason]) =>
    (occurrences.get(text) ?? [{ where: "?", text }]).map((place) => problemLine(place.where, place.text, reason)),
  );
}

/**
 * One line when the service refused the consumer id itself (another token owns
 * it, or this token may not register it): the service's message says whose it
 * is and what an admin can do; every reference would only repeat it.
 */
export function consumerIdProblem(error: unknown, consumerId: string, displayPath: string): string | undefined {
  const connectError = ConnectError.from(error);
  const reason = connectError.findDetails(ErrorInfoSchema)[0]?.reason ?? "";
  if (!reason.startsWith("CONSUMER_")) return undefined;
  return `${displayPath}: consumer "${consumerId}" — ${describeCallFailure(connectError)}`;
}

export const WORKLOAD_TOKEN_HINT =
  "hint: rendering needs a workload token (ROLE_WORKLOAD) that grants these names; admin and viewer tokens cannot resolve values";

/**
 * A hint when the token's role may not resolve at all (an admin or viewer
 * token): the whole call is denied, rather than some names not granted.
 */
export function roleHint(error: unknown): string | undefined {
  const connectError = ConnectError.from(error);
  if (connectError.code !== Code.PermissionDenied || connectError.findDetails(ReferenceErrorsSchema).length > 0) return undefined;
  return WORKLOAD_TOKEN_HINT;
}

/** In file order: by path, then line and column (lines without a position keep their place at the end). */
export function sortProblems(problems: string[]): string[] {
  const key = (line: string) => /^(.*?):(\d+):(\d+) /.exec(line);
  return problems
    .map((line, index) => ({ line, index, at: key(line) }))
    .sort((a, b) => {
      if (!a.at || !b.at) return a.at ? -1 : b.at ? 1 : a.index - b.index;
      return a.at[1]!.localeCompare(b.at[1]!) || Number(a.at[2]) - Number(b.at[2]) || Number(a.at[3]) - Number(b.at[3]);
    })
    .map((entry) => entry.line);
}
