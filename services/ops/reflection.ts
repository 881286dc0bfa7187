/**
 * Server reflection (grpc.reflection.v1 and v1alpha), so `grpcurl` and
 * `buf curl` can list, describe and call every service without the .proto
 * files. It serves the descriptors embedded in the generated code (the very
 * ones the server encodes and decodes with), each answer carrying the file and
 * every file it imports, well-known types included: a client can link what it
 * receives without asking again.
 */
import { create, toBinary, type DescFile, type DescMessage, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { generatedServiceDefinition } from "./generated-methods.js";

type Request = v1.ServerReflectionRequest;
type Response = v1.ServerReflectionResponse;
type Answer = MessageInitShape<typeof v1.ServerReflectionResponseSchema>["messageResponse"];

/** Everything reflection can answer about, indexed once. */
class DescriptorIndex {
  private readonly fileByName = new Map<string, DescFile>();
  private readonly fileBySymbol = new Map<string, DescFile>();
  private readonly encoded = new Map<DescFile, Uint8Array>();

  constructor(
    readonly serviceNames: readonly string[],
    services: readonly DescService[],
  ) {
    for (const service of services) this.addFile(service.file);
  }

  private addFile(file: DescFile): void {
    // DescFile.name drops the ".proto"; reflection clients ask by the path as imported.
    if (this.fileByName.has(file.proto.name)) return;
    this.fileByName.set(file.proto.name, file);
    for (const dependency of file.dependencies) this.addFile(dependency);
    const addMessage = (message: DescMessage) => {
      this.fileBySymbol.set(message.typeName, file);
      message.nestedMessages.forEach(addMessage);
      for (const e of message.nestedEnums) this.fileBySymbol.set(e.typeName, file);
    };
    file.messages.forEach(addMessage);
    for (const e of file.enums) this.fileBySymbol.set(e.typeName, file);
    for (const service of file.services) {
      this.fileBySymbol.set(service.typeName, file);
      for (const method of service.methods) this.fileBySymbol.set(`${service.typeName}.${method.name}`, file);
    }
  }

  file(name: string): DescFile | undefined {
    return this.fileByName.get(name);
  }

  fileContaining(symbol: string): DescFile | undefined {
    return this.fileBySymbol.get(symbol.replace(/^\./, ""));
  }

  /** The file first, then every file it imports, transitively, each once. */
  withDependencies(file: DescFile): Uint8Array[] {
    const seen = new Set<DescFile>();
    const visit = (f: DescFile) => {
      if (seen.has(f)) return;
      seen.add(f);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return [...seen].map((f) => this.bytes(f));
  }

  private bytes(file: DescFile): Uint8Array {
    let bytes = this.encoded.get(file);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      this.encoded.set(file, bytes);
    }
    return bytes;
  }
}

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

function answer(index: DescriptorIndex, request: Request): Answer {
  const files = (file: DescFile | undefined, what: string): Answer =>
    file ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.withDependencies(file) } } : notFound(`${what} not found`);
  const notFound = (message: string): Answer => ({
    case: "errorResponse",
    value: { errorCode: NOT_FOUND, errorMessage: message },
  });
  const { case: kind, value } = request.messageRequest;
  switch (kind) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: { service: index.serviceNames.map((name) => ({ name })) },
      };
    case "fileByFilename":
      return files(index.file(value), `file ${value}`);
    case "fileContainingSymbol":
      return files(index.fileContaining(value), `symbol ${value}`);
    case "fileContainingExtension":
      // None of the served files declares an extension.
      return notFound(`extension ${value.extensionNumber} of ${value.containingType} not found`);
    case "allExtensionNumbersOfType":
      return index.fileContaining(value)
        ? {
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: value, extensionNumber: [] },
          }
        : notFound(`type ${value} not found`);
    case undefined:
      return { case: "errorResponse", value: { errorCode: UNIMPLEMENTED, errorMessage: "empty request" } };
  }
}

/**
 * Adds both reflection services. `services` are the other services the server
 * carries; the two reflection services are listed and described as well.
 */
export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  const served = [...services, v1.ServerReflection, v1alpha.ServerReflection];
  const index = new DescriptorIndex(
    served.map((s) => s.typeName),
    served,
  );
  // v1alpha's messages are v1's under another package name, field for field, so v1's codec serves both.
  const method = v1.ServerReflection.method.serverReflectionInfo;
  for (const service of [v1.ServerReflection, v1alpha.ServerReflection])
    server.addService(generatedServiceDefinition(v1.ServerReflection, service.typeName), {
      [method.name]: (call: grpc.ServerDuplexStream<Request, Response>) => {
        call.on("data", (request: Request) =>
          call.write(create(method.output, { validHost: request.host, originalRequest: request, messageResponse: answer(index, request) })),
        );
        call.on("end", () => call.end());
        call.on("error", () => call.end());
      },
    });
}
