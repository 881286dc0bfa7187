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

/**
 * What the pipeline needs of a gRPC call. Its abort signal is made only when
 * something reads it: no unary handler does, and making one costs about 4 µs,
 * a tenth of what a resolve adds to the empty call. A class, so that the
 * getter sits on one shared prototype (object literals with getters each get
 * a hidden class of their own, and the call path slowed down with them).
 */
class GrpcCallStart implements CallStart {
  readonly authorization: string | undefined;
  readonly peer: string;
  private abort: AbortController | undefined;
  private cancelled = false;

  constructor(
    readonly method: string,
    private readonly call: { metadata: grpc.Metadata; request: unknown; getPeer(): string },
  ) {
    const [authorization] = call.metadata.get("authorization");
    this.authorization = typeof authorization === "string" ? authorization : undefined;
    this.peer = call.getPeer();
  }

  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.cancelled) this.abort.abort();
    }
    return this.abort.signal;
  }

  /** The client went: the signal is aborted, now or when it is made. */
  cancel(): void {
    this.cancelled = true;
    this.abort?.abort();
  }

  checkRequest(): void {
    checkDecoded(this.call.request);
  }
}

function unaryCall(name: string, handler: AnyHandler, pipeline: CallPipeline): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const start = new GrpcCallStart(name, call);
    // grpc-js also reports "cancelled" when a client resets a stream it has its answer on;
    // aborting then would cost an exception and an event per call for nothing.
    let answered = false;
    call.on("cancelled", () => answered || start.cancel());
    pipeline
      .unary(start, (ctx) => handler(call.request, ctx) as Promise<unknown>)
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
    const start = new GrpcCallStart(name, call);
    call.on("cancelled", () => start.cancel());
    // A stream's signal is needed at once: to stop writing when the client goes.
    const signal = start.signal;
    const responses = pipeline.serverStream(start, (ctx) => handler(call.request, ctx) as AsyncIterable<unknown>);
    void (async () => {
      try {
        for await (const response of responses) {
          if (signal.aborted) break;
          // Respect HTTP/2 flow control: a slow reader must not make us buffer without bound.
          if (!call.write(response)) await waitForDrain(call, signal);
        }
        if (!signal.aborted) call.end();
      } catch (error) {
        if (!signal.aborted) call.emit("error", toGrpcStatus(error as ServiceError));
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
