/**
 * Turning whatever a command ends with into what the user sees: `error: …`
 * on stderr, the rich status details (field violations, blocking consumers,
 * failing references) indented beneath, and an exit status.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, PreconditionFailureSchema } from "../gen/google/rpc/error_details_pb.js";
import { ReferenceErrorsSchema } from "../gen/secrets/v1/resolver_service_pb.js";
import { CliError, EXIT, exitCodeOfStatus, type ExitCode } from "./exit-codes.js";

export interface ErrorReport {
  exitCode: ExitCode;
  lines: string[];
}

export function reportError(error: unknown): ErrorReport {
  // A CliError thrown inside the transport (an interceptor) arrives wrapped in a ConnectError.
  if (error instanceof ConnectError && error.cause instanceof CliError) return reportError(error.cause);
  if (error instanceof CliError)
    return { exitCode: error.exitCode, lines: [`error: ${error.message}`, ...error.details.map((d) => `  ${d}`)] };
  if (error instanceof ConnectError && isCertificateError(error.cause))
    return {
      exitCode: EXIT.config,
      lines: [`error: TLS: ${error.rawMessage} (check the context's CA file and that the address matches the certificate)`],
    };
  if (error instanceof ConnectError) {
    const details = [
      ...error.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations.map((v) => `${v.field}: ${v.description}`)),
      ...error
        .findDetails(PreconditionFailureSchema)
        .flatMap((p) => p.violations.map((v) => `${v.type.toLowerCase()} ${v.subject}: ${v.description}`)),
      ...error.findDetails(ReferenceErrorsSchema).flatMap((r) => r.errors.map((e) => `${e.reference}: ${e.message}`)),
    ];
    const message = statusMessage(error);
    // A message that is just its one detail (a single field violation) is said once.
    const said = details.length === 1 && details[0] === message ? [] : details;
    return {
      exitCode: exitCodeOfStatus(error.code),
      lines: [`error: ${message}`, ...said.map((d) => `  ${d}`)],
    };
  }
  return { exitCode: EXIT.failure, lines: [`error: ${error instanceof Error ? error.message : String(error)}`] };
}

/** Node's TLS verification failures (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID, …). */
function isCertificateError(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|^ERR_TLS_/.test(code);
}

/** The service's message, with a hint where the status alone says what to do. */
function statusMessage(error: ConnectError): string {
  const message = error.rawMessage || Code[error.code];
  switch (error.code) {
    case Code.Unauthenticated:
      return `${message} (check the token file of the context)`;
    case Code.Unavailable:
      return `${message} (is the service running at the context's address?)`;
    default:
      return message;
  }
}
