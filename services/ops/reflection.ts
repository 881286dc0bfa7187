/**
 * Server reflection (grpc.reflection.v1 and v1alpha), so `grpcurl list` and
 * `describe` work without the .proto files. Built from the same .proto files
 * the service is generated from, plus those of the health and reflection
 * services the server also carries, so that they are listed and described too.
 */
import type * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PROTO_DIR = fileURLToPath(new URL("../../proto", import.meta.url));
const API_FILES = ["secrets/v1/secrets_service.proto", "secrets/v1/resolver_service.proto", "secrets/v1/admin_service.proto"];

const packageDir = (name: string) => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
const HEALTH_PROTO_DIR = join(packageDir("grpc-health-check"), "proto");
const REFLECTION_PROTO_DIR = join(packageDir("@grpc/reflection"), "build/proto");
const OPS_FILES = ["health/v1/health.proto", "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"];

export function addReflection(server: grpc.Server): void {
  const definition = loadSync([...API_FILES, ...OPS_FILES], { includeDirs: [PROTO_DIR, HEALTH_PROTO_DIR, REFLECTION_PROTO_DIR] });
  new ReflectionService(definition).addToServer(server);
}
