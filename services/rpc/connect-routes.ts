/**
 * The second transport: the same handlers, through the same CallPipeline,
 * served with the Connect protocol (and gRPC-Web) by @connectrpc/connect-node,
 * so `curl` with JSON and browser clients can call the API. Only the
 * plumbing differs from grpc-service.ts; no handler is written twice.
 */
import type { DescService } from "@bufbuild/protobuf";
import { type Code, ConnectError, createContextKey, type ConnectRouter, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { ServiceError } from "../domain/errors.js";
import type { CallPipeline, CallStart } from "./call-pipeline.js";
import type { CallContext } from "./call-context.js";
import type { ServiceHandlers } from "./handlers.js";
import { richDetails } from "./status.js";
import { statusCodeNumber, statusCodeOf } from "./status-codes.js";

type AnyHandler = (request: unknown, ctx: CallContext) => Promise<unknown> | AsyncIterable<unknown>;

export function addConnectService<S extends DescService>(
  router: ConnectRouter,
  service: S,
  handlers: ServiceHandlers<S>,
  pipeline: CallPipeline,
): void {
  const implementation: Record<string, unknown> = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, AnyHandler>)[method.localName]!;
    const name = `${service.typeName}/${method.name}`;
    implementation[method.localName] =
      method.methodKind === "server_streaming"
        ? async function* (request: unknown, context: HandlerContext) {
            try {
              yield* pipeline.serverStream(callStart(name, context), (ctx) => handler(request, ctx) as AsyncIterable<unknown>);
            } catch (error) {
              throw toConnectError(error as ServiceError);
            }
          }
        : (request: unknown, context: HandlerContext) =>
            pipeline
              .unary(callStart(name, context), (ctx) => handler(request, ctx) as Promise<unknown>)
              .catch((error: ServiceError) => {
                throw toConnectError(error);
              });
  }
  router.service(service, implementation as unknown as ServiceImpl<S>);
}

/** The caller's address, set by the HTTP server for each request. */
export const PEER = createContextKey<string | undefined>(undefined);

function callStart(method: string, context: HandlerContext): CallStart {
  return {
    method,
    authorization: context.requestHeader.get("authorization") ?? undefined,
    signal: context.signal,
    peer: context.values.get(PEER),
  };
}

function toConnectError(error: ServiceError): ConnectError {
  // Connect's codes are the canonical gRPC code numbers.
  return new ConnectError(error.message, statusCodeNumber(statusCodeOf(error)) as Code, undefined, richDetails(error));
}
