/**
 * Turns an API error into words a person understands, and into the place it
 * concerns: each field violation at its field, the consumers blocking a
 * delete, a concurrent change.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, PreconditionFailureSchema } from "../../gen/google/rpc/error_details_pb.js";

export interface Problem {
  /** One sentence for the action as a whole. */
  message: string;
  /** Field path (as the API names it, e.g. `value.json`) to what is wrong with it. */
  fields: Record<string, string>;
  /** Consumers named by a PreconditionFailure (a delete refused while in use). */
  consumers: string[];
  code: Code | undefined;
  reason: string | undefined;
}

const CODE_WORDS: Partial<Record<Code, string>> = {
  [Code.Unauthenticated]: "Your token is not valid any more (expired or revoked). Sign in again.",
  [Code.PermissionDenied]: "Your role may not do this.",
  [Code.AlreadyExists]: "That already exists (secret names are unique regardless of case, archived ones included).",
  [Code.Aborted]: "Someone else changed this meanwhile. Reload to see their change, then try again.",
  [Code.ResourceExhausted]: "Too many requests just now. Wait a moment and try again.",
  [Code.Unavailable]: "The service cannot be reached. Check that it is running.",
  [Code.DeadlineExceeded]: "The service took too long to answer. Try again.",
  [Code.NotFound]: "It does not exist (any more).",
};

export function describeError(error: unknown): Problem {
  const connect = ConnectError.from(error);
  const fields: Record<string, string> = {};
  for (const bad of connect.findDetails(BadRequestSchema))
    for (const violation of bad.fieldViolations) fields[violation.field] ??= sentence(violation.description);
  const consumers = connect
    .findDetails(PreconditionFailureSchema)
    .flatMap((failure) => failure.violations.filter((v) => v.type === "CONSUMER").map((v) => v.subject));
  const reason = connect.findDetails(ErrorInfoSchema)[0]?.reason;
  const code = connect.code;
  let message = CODE_WORDS[code] ?? sentence(connect.rawMessage);
  if (Object.keys(fields).length > 0) message = "Some fields need fixing (see below).";
  if (consumers.length > 0) message = `In use by ${consumers.length} consumer(s): ${consumers.join(", ")}.`;
  if (code === Code.FailedPrecondition && consumers.length === 0) message = sentence(connect.rawMessage);
  return { message, fields, consumers, code, reason };
}

function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return "Something went wrong.";
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
