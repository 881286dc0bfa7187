/**
 * Exit statuses: one per class of gRPC status, so scripts can tell "fix the
 * input" from "retry later" from "not allowed" without parsing messages.
 */
import { Code } from "@connectrpc/connect";

export const EXIT = {
  ok: 0,
  /** Internal, unknown, data loss, unimplemented: a fault to report. */
  failure: 1,
  /** Bad flags or arguments (the usage is printed). */
  usage: 2,
  /** INVALID_ARGUMENT, OUT_OF_RANGE, or a value refused locally before sending. */
  invalid: 3,
  notFound: 4,
  /** ALREADY_EXISTS, ABORTED (check-and-set lost). */
  conflict: 5,
  /** FAILED_PRECONDITION: in use, archived, not archived. */
  precondition: 6,
  /** UNAUTHENTICATED, PERMISSION_DENIED. */
  denied: 7,
  /** UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED: retry later. */
  unavailable: 8,
  /** A destructive command was not confirmed. */
  notConfirmed: 9,
  /** No usable context, config file or token file. */
  config: 10,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The help text listing the exit statuses. */
export const EXIT_CODES_HELP = `
Exit status:
  0   success
  1   internal or unexpected error
  2   usage error (bad flags or arguments)
  3   invalid argument (refused locally or by the service)
  4   not found
  5   conflict (already exists, or the version/etag changed)
  6   failed precondition (secret in use, archived, not archived)
  7   unauthenticated or permission denied
  8   service unavailable, deadline exceeded or rate limited (retry later)
  9   not confirmed (declined, or no terminal and no --yes)
  10  configuration error (no context, unreadable token file)`;

export function exitCodeOfStatus(code: Code): ExitCode {
  switch (code) {
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return EXIT.invalid;
    case Code.NotFound:
      return EXIT.notFound;
    case Code.AlreadyExists:
    case Code.Aborted:
      return EXIT.conflict;
    case Code.FailedPrecondition:
      return EXIT.precondition;
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return EXIT.denied;
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.ResourceExhausted:
    case Code.Canceled:
      return EXIT.unavailable;
    default:
      return EXIT.failure;
  }
}

/** An error the CLI itself raises: its message is shown as is, with its exit status. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** Further lines (violations, consumers), shown indented under the message. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}
