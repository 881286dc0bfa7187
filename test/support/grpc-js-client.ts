/**
 * An independent client: plain @grpc/grpc-js with message types loaded from
 * the .proto files by @grpc/proto-loader, sharing no code with the service.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";

const PROTO_DIR = fileURLToPath(new URL("../../proto", import.meta.url));

const definition = protoLoader.loadSync(
  ["secrets/v1/secrets_service.proto", "secrets/v1/resolver_service.proto", "secrets/v1/admin_service.proto"],
  { includeDirs: [PROTO_DIR], longs: String, enums: String, defaults: true, oneofs: true },
);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loaded = grpc.loadPackageDefinition(definition) as any;

type Callback = (error: grpc.ServiceError | null, response: Record<string, unknown>) => void;
type UnaryMethod = (request: object, metadata: grpc.Metadata, callback: Callback) => void;

export interface RawClients {
  secrets: grpc.Client & Record<string, UnaryMethod>;
  resolver: grpc.Client & Record<string, UnaryMethod>;
  admin: grpc.Client & Record<string, UnaryMethod>;
  close(): void;
}

export function grpcJsClients(address: string): RawClients {
  const credentials = grpc.credentials.createInsecure();
  const clients = {
    secrets: new loaded.secrets.v1.SecretsService(address, credentials),
    resolver: new loaded.secrets.v1.ResolverService(address, credentials),
    admin: new loaded.secrets.v1.AdminService(address, credentials),
  };
  return {
    ...clients,
    close: () =>
      Object.values(clients).forEach((c) => {
        (c as grpc.Client).close();
      }),
  };
}

export function bearer(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** Calls a unary method; resolves with the response or rejects with the grpc-js ServiceError. */
export function call<T = Record<string, unknown>>(
  client: Record<string, UnaryMethod>,
  method: string,
  request: object,
  token?: string,
): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method]!(request, bearer(token), (error, response) => (error ? reject(error) : resolve(response as T))),
  );
}
