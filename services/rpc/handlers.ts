/**
 * Typed handlers for a generated service descriptor: one async function per
 * RPC, taking the decoded request and a CallContext. Unary handlers return
 * the response; server-streaming handlers return an async iterable of them,
 * each encoded once per object (one watch event's message goes to many
 * streams): a stream sends new content as a new object, never a changed one.
 * The same handlers can be served by any transport.
 */
import type { DescMethodServerStreaming, DescMethodUnary, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { CallContext } from "./call-context.js";

export type Handler<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? (request: MessageShape<I>, ctx: CallContext) => Promise<MessageInitShape<O>>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? (request: MessageShape<I>, ctx: CallContext) => AsyncIterable<MessageInitShape<O>>
      : never;

export type ServiceHandlers<S extends DescService> = {
  [K in keyof S["method"]]: Handler<S["method"][K]>;
};
