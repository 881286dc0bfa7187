/**
 * Server reflection (grpc.reflection.v1 and v1alpha) with a plain grpc-js
 * client, as grpcurl uses it: the service list, and the file descriptors of
 * the API, which must decode and describe its methods.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/service.js";
import { reflect, type ReflectionVersion } from "./plain-grpc-clients.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await svc?.cleanup();
});

describe.each<ReflectionVersion>(["v1", "v1alpha"])("reflection %s", (version) => {
  it("lists the API services, health and reflection", async () => {
    const response = await reflect(svc.address, version, { listServices: "" });
    const names = response.listServicesResponse?.service.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "secrets.v1.SecretsService",
        "secrets.v1.ResolverService",
        "secrets.v1.AdminService",
        "grpc.health.v1.Health",
        `grpc.reflection.${version}.ServerReflection`,
      ]),
    );
  });

  it("returns decodable file descriptors for secrets.v1.SecretsService, with its methods", async () => {
    const response = await reflect(svc.address, version, { fileContainingSymbol: "secrets.v1.SecretsService" });
    expect(response.errorResponse).toBeUndefined();
    const files = response.fileDescriptorResponse!.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    const serviceFile = files.find((f) => f.service.some((s) => s.name === "SecretsService"));
    expect(serviceFile?.package).toBe("secrets.v1");
    const methods = serviceFile!.service.find((s) => s.name === "SecretsService")!.method;
    expect(methods.map((m) => m.name)).toContain("CreateSecret");
    const create = methods.find((m) => m.name === "CreateSecret")!;
    expect(create.inputType).toBe(".secrets.v1.CreateSecretRequest");
    // The message types the service file imports come along, so describe can resolve them.
    const messages = files.flatMap((f) => f.messageType.map((m) => `${f.package}.${m.name}`));
    expect(messages).toContain("secrets.v1.CreateSecretRequest");
  });

  it("answers an unknown symbol with an error response, not a broken stream", async () => {
    const response = await reflect(svc.address, version, { fileContainingSymbol: "secrets.v1.NoSuchThing" });
    expect(response.errorResponse?.errorCode).toBe(5); // NOT_FOUND
  });
});
