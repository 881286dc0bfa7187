/**
 * Plain @grpc/grpc-js clients for the standard gRPC services the service
 * exposes (health, reflection v1 and v1alpha), loaded by @grpc/proto-loader
 * from the .proto files that grpc-health-check and @grpc/reflection ship,
 * so they share nothing with the service's own code.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

const HEALTH_PROTO = join(packageDir("grpc-health-check"), "proto/health/v1/health.proto");
const REFLECTION_PROTO_DIR = join(packageDir("@grpc/reflection"), "build/proto");

const LOAD_OPTIONS: protoLoader.Options = { longs: String, enums: String, defaults: true, oneofs: true };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loaded = any;
const health: Loaded = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, LOAD_OPTIONS));
const reflection: Loaded = grpc.loadPackageDefinition(
  protoLoader.loadSync(["grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"], {
    ...LOAD_OPTIONS,
    includeDirs: [REFLECTION_PROTO_DIR],
  }),
);

export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

export interface HealthClient extends grpc.Client {
  Check(request: { service: string }, callback: (error: grpc.ServiceError | null, response: { status: ServingStatus }) => void): void;
  Watch(request: { service: string }): grpc.ClientReadableStream<{ status: ServingStatus }>;
}

export function healthClient(address: string): HealthClient {
  return new health.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
}

export function checkHealth(client: HealthClient, service: string): Promise<ServingStatus> {
  return new Promise((resolve, reject) =>
    client.Check({ service }, (error, response) => (error ? reject(error) : resolve(response.status))),
  );
}

export type ReflectionVersion = "v1" | "v1alpha";

export interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** Sends one request on a fresh ServerReflectionInfo stream and returns the one response. */
export function reflect(address: string, version: ReflectionVersion, request: Record<string, string>): Promise<ReflectionResponse> {
  const client: grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> } =
    new reflection.grpc.reflection[version].ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise<ReflectionResponse>((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    stream.once("data", (response: ReflectionResponse) => {
      resolve(response);
      stream.end();
    });
    stream.once("error", reject);
    stream.write({ host: "", ...request });
  }).finally(() => client.close());
}
