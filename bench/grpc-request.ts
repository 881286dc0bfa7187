/**
 * A gRPC request (unary or server-streaming: one request message) as bytes on the wire, for a load generator that cannot
 * encode protobuf: the method's path and the request message encoded with the
 * generated code, in the 5-byte gRPC frame (uncompressed flag, big-endian length).
 */
import { create, toBinary, type DescMethodServerStreaming, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import { constants, type OutgoingHttpHeaders } from "node:http2";

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

/** The request headers of a gRPC call to `path` with a bearer token, for a raw node:http2 client. */
export function grpcRequestHeaders(path: string, token: string): OutgoingHttpHeaders {
  return {
    [constants.HTTP2_HEADER_METHOD]: "POST",
    [constants.HTTP2_HEADER_PATH]: path,
    "content-type": "application/grpc",
    te: "trailers",
    authorization: `Bearer ${token}`,
  };
}
