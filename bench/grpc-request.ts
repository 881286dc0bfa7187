/**
 * A gRPC request (unary or server-streaming: one request message) as bytes on the wire, for a load generator that cannot
 * encode protobuf: the method's path and the request message encoded with the
 * generated code, in the 5-byte gRPC frame (uncompressed flag, big-endian length).
 */
import { create, toBinary, type DescMethodServerStreaming, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";

export interface EncodedRequest {
  /** `/package.Service/Method` */
  path: string;
  frame: Buffer;
}

export function grpcPath(method: { parent: { typeName: string }; name: string }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

export function encodeRequest<M extends DescMethodUnary | DescMethodServerStreaming>(
  method: M,
  request: MessageInitShape<M["input"]>,
): EncodedRequest {
  return { path: grpcPath(method), frame: grpcFrame(toBinary(method.input, create(method.input, request))) };
}
