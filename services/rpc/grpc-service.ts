/**
 * The one adapter from a generated service descriptor plus typed handlers to
 * a @grpc/grpc-js service: paths and (de)serialization come from the
 * descriptor, every call runs through the CallPipeline, and errors leave as
 * statuses with rich details.
 */
import { create, fromBinary, toBinary, type DescMessage, type DescService, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { ServiceError } from "../domain/errors.js";
import type { CallPipeline, CallStart } from "./call-pipeline.js";
import type { CallContext } from "./call-context.js";
import type { ServiceHandlers } from "./handlers.js";
import { oncePerObject } from "./once-per-object.js";
import { statusDetailsBin } from "./status.js";
import { statusCodeNumber, statusCodeOf } from "./status-codes.js";

/** Stands in for a request that did not decode, so the handler can answer INVALID_ARGUMENT instead of grpc-js's INTERNAL. */
class UndecodableRequest {
  constructor(readonly typeName: string) {}
}

type AnyHandler = (request: unknown, ctx: CallContext) => Promise<unknown> | AsyncIterable<unknown>;

export function grpcService<S extends DescService>(
  service: S,
  handlers: ServiceHandlers<S>,
  pipeline: CallPipeline,
): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, AnyHandler>)[method.localName];
    if (!handler) throw new Error(`no handler for ${service.typeName}.${method.name}`);
    const path = `/${service.typeName}/${method.name}`;
    // A stream's responses are encoded once per message object: a watch event's one shared
    // message is encoded once for all its streams (grpc-js copies the bytes into each frame).
    const encode = method.methodKind === "server_streaming" ? oncePerObject(encodeResponse(method.output)) : encodeResponse(method.output);
    definition[method.name] = {
      path,
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (message) => Buffer.from(toBinary(method.input, message as Message)),
      requestDeserialize: (bytes: Buffer) => decode(method.input, bytes),
      responseSerialize: (message) => encode(message as object),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    };
    implementation[method.name] =
      method.methodKind === "server_streaming"
        ? serverStreamingCall(path.slice(1), handler, pipeline)
        : unaryCall(path.slice(1), handler, pipeline);
  }
  return { definition, implementation };
}

function encodeResponse(schema: DescMessage): (message: object) => Buffer {
  return (message) => {
    const bytes = toBinary(schema, create(schema, message as MessageInitShape<DescMessage>));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function decode(schema: DescMessage, bytes: Buffer): unknown {
  try {
    return fromBinary(schema, bytes);
  } catch {
    return new UndecodableRequest(schema.typeName);
  }
}

function checkDecoded(request: unknown): void {
  if (request instanceof UndecodableRequest)
    throw new ServiceError(`the request is not a valid ${request.typeName} message`, {
      reason: "MALFORMED_REQUEST",
    });
}

function callStart(method: string, call: { metadata: grpc.Metadata; request: unknown; getPeer(): string }, signal: AbortSignal): CallStart {
  const [authorization] = call.metadata.get("authorization");
  return {
    method,
    authorization: typeof authorization === "string" ? authorization : undefined,
    signal,
    peer: call.getPeer(),
    checkRequest: () => checkDecoded(call.request),
  };
}

function unaryCall(name: string, handler: AnyHandler, pipeline: CallPipeline): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const abort = new AbortController();
    // grpc-js also reports "cancelled" when a client resets a stream it has its answer on;
    // aborting then would cost an exception and an event per call for nothing.
    let answered = false;
    call.on("cancelled", () => answered || abort.abort());
    pipeline
      .unary(callStart(name, call, abort.signal), (ctx) => handler(call.request, ctx) as Promise<unknown>)
      .then(
        (response) => {
          answered = true;
          callback(null, response);
        },
        (error: ServiceError) => {
          answered = true;
          callback(toGrpcStatus(error));
        },
      );
  };
}

function serverStreamingCall(name: string, handler: AnyHandler, pipeline: CallPipeline): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const abort = new AbortController();
    call.on("cancelled", () => abort.abort());
    const responses = pipeline.serverStream(
      callStart(name, call, abort.signal),
      (ctx) => handler(call.request, ctx) as AsyncIterable<unknown>,
    );
    void (async () => {
      try {
        for await (const response of responses) {
          if (abort.signal.aborted) break;
          // Respect HTTP/2 flow control: a slow reader must not make us buffer without bound.
          if (!call.write(response)) await waitForDrain(call, abort.signal);
        }
        if (!abort.signal.aborted) call.end();
      } catch (error) {
        if (!abort.signal.aborted) call.emit("error", toGrpcStatus(error as ServiceError));
      }
    })();
  };
}

function waitForDrain(call: grpc.ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.on("drain", done);
    signal.addEventListener("abort", done);
  });
}

export function toGrpcStatus(error: ServiceError): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(statusDetailsBin(error)));
  return { code: statusCodeNumber(statusCodeOf(error)), details: error.message, metadata };
}
