/**
 * A grpc-js service definition for a generated protobuf-es service, for the
 * standard services served outside the call pipeline (health, reflection):
 * paths, streaming and (de)serialization all come from the descriptor.
 */
import { fromBinary, toBinary, type DescService, type Message } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";

/** `typeName` serves the service under another name whose messages are the same field for field (reflection's v1alpha). */
export function generatedServiceDefinition(service: DescService, typeName = service.typeName): grpc.ServiceDefinition {
  return Object.fromEntries(
    service.methods.map((method) => [
      method.name,
      {
        path: `/${typeName}/${method.name}`,
        requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
        responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
        requestSerialize: (message: Message) => Buffer.from(toBinary(method.input, message)),
        requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
        responseSerialize: (message: Message) => Buffer.from(toBinary(method.output, message)),
        responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      } satisfies grpc.MethodDefinition<Message, Message>,
    ]),
  );
}
