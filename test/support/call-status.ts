/**
 * Outcomes of client calls for tests that assert on statuses: either the
 * call succeeded or it failed with a ConnectError, never anything else.
 */
import { toJson, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, PreconditionFailureSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ReferenceErrorsSchema } from "../../gen/secrets/v1/resolver_service_pb.js";

export type CallStatus = "OK" | Code;

/** The status a call ended with; anything thrown that is not a ConnectError fails the test. */
export async function statusOf(work: Promise<unknown>): Promise<CallStatus> {
  const error = await errorOf(work);
  return error ? error.code : "OK";
}

/** The ConnectError a call failed with, or undefined if it succeeded. */
export async function errorOf(work: Promise<unknown>): Promise<ConnectError | undefined> {
  try {
    await work;
    return undefined;
  } catch (thrown) {
    if (thrown instanceof ConnectError) return thrown;
    throw thrown;
  }
}

/** The ConnectError a call must fail with. */
export async function rejectionOf(work: Promise<unknown>): Promise<ConnectError> {
  const error = await errorOf(work);
  if (!error) throw new Error("expected the call to fail, but it succeeded");
  return error;
}

const KNOWN_DETAILS: DescMessage[] = [ErrorInfoSchema, BadRequestSchema, PreconditionFailureSchema, ReferenceErrorsSchema];

/**
 * Everything a client can read from an error, as JSON text: code, message,
 * the type of each detail, and every known detail decoded. Used to compare
 * errors and to search them for text that must not be there.
 */
export function describeError(error: ConnectError): string {
  return JSON.stringify({
    code: Code[error.code],
    message: error.rawMessage,
    detailTypes: error.details.map((d) => ("type" in d ? d.type : d.desc.typeName)),
    details: KNOWN_DETAILS.map((schema) => error.findDetails(schema).map((d) => toJson(schema, d))),
  });
}
