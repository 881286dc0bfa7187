/**
 * Server reflection as operators use it: `buf curl` (run from the
 * @bufbuild/buf package, with no --schema) must find each service, its
 * methods and every message they use through reflection alone, with either
 * reflection protocol; and the descriptors it serves must form one complete,
 * self-consistent set (every import present, well-known types included).
 */
import { create, createFileRegistry, fromBinary, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";
import { reflect, type ReflectionVersion } from "./plain-grpc-clients.js";

const BUF = createRequire(import.meta.url).resolve("@bufbuild/buf/bin/buf");

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
  await connectClients(svc.address, svc.adminToken).secrets.createSecret({
    name: "REFLECTED",
    type: SecretType.TOKEN,
    value: { kind: { case: "token", value: "reflection-value" } },
  });
});

afterAll(async () => {
  await svc?.cleanup();
});

async function bufCurl(version: ReflectionVersion, path: string, body: object, token?: string): Promise<unknown> {
  const args = [
    "curl",
    "--protocol",
    "grpc",
    "--http2-prior-knowledge",
    "--reflect-protocol",
    `grpc-${version}`,
    "-d",
    JSON.stringify(body),
  ];
  if (token) args.push("-H", `authorization: Bearer ${token}`);
  const { stdout } = await promisify(execFile)(BUF, [...args, `http://${svc.address}${path}`], { timeout: 60_000 });
  return JSON.parse(stdout);
}

/** Links the files as a FileDescriptorSet (which wants imports first); fails when an import is missing from the set. */
function linkInImportOrder(files: FileDescriptorProto[]): FileRegistry {
  const ordered: FileDescriptorProto[] = [];
  const pending = [...files];
  while (pending.length > 0) {
    const ready = pending.findIndex((f) => f.dependency.every((d) => ordered.some((o) => o.name === d)));
    if (ready < 0) throw new Error(`imports missing from the answer: ${pending.flatMap((f) => f.dependency).join(", ")}`);
    ordered.push(...pending.splice(ready, 1));
  }
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}

describe.each<ReflectionVersion>(["v1", "v1alpha"])("buf curl through reflection %s", (version) => {
  it("calls secrets.v1.SecretsService/GetSecret without --schema", async () => {
    const secret = await bufCurl(version, "/secrets.v1.SecretsService/GetSecret", { name: "REFLECTED" }, svc.adminToken);
    expect(secret).toMatchObject({ secret: { name: "REFLECTED", type: "SECRET_TYPE_TOKEN" } });
  });

  it("calls grpc.health.v1.Health/Check without --schema", async () => {
    expect(await bufCurl(version, "/grpc.health.v1.Health/Check", {})).toEqual({ status: "SERVING" });
  });

  it("serves, for each listed service, a file set that links on its own", async () => {
    const listed = await reflect(svc.address, version, { listServices: "" });
    for (const { name } of listed.listServicesResponse!.service) {
      const response = await reflect(svc.address, version, { fileContainingSymbol: name });
      const files = response.fileDescriptorResponse!.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
      expect(files[0]!.service.some((s) => `${files[0]!.package}.${s.name}` === name)).toBe(true);
      const registry = linkInImportOrder(files);
      expect(registry.getService(name), name).toBeDefined();
    }
  });
});
