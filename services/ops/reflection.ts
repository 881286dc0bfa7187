/**
 * Server reflection (grpc.reflection.v1 and v1alpha), so `grpcurl list` and
 * `describe` work without the .proto files. Built from the same .proto files
 * the service is generated from.
 */
import type * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { fileURLToPath } from "node:url";

const PROTO_DIR = fileURLToPath(new URL("../../proto", import.meta.url));
const API_FILES = ["secrets/v1/secrets_service.proto", "secrets/v1/resolver_service.proto", "secrets/v1/admin_service.proto"];

export function addReflection(server: grpc.Server): void {
  new ReflectionService(loadSync(API_FILES, { includeDirs: [PROTO_DIR] })).addToServer(server);
}
