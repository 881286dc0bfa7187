/**
 * The generated Connect clients over gRPC (HTTP/2), sending the context's
 * bearer token, over TLS when the context asks for it.
 */
import { readFile } from "node:fs/promises";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../gen/secrets/v1/secrets_service_pb.js";
import type { Connection } from "./config.js";
import { CliError, EXIT } from "./exit-codes.js";

export interface ServiceClients {
  secrets: Client<typeof SecretsService>;
  resolver: Client<typeof ResolverService>;
  admin: Client<typeof AdminService>;
}

export async function createServiceClients(connection: Connection): Promise<ServiceClients> {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${connection.token}`);
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: baseUrl(connection),
    interceptors: [auth],
    ...(connection.caFile !== undefined && { nodeOptions: { ca: await readCa(connection.caFile) } }),
  });
  return {
    secrets: createClient(SecretsService, transport),
    resolver: createClient(ResolverService, transport),
    admin: createClient(AdminService, transport),
  };
}

function baseUrl(connection: Connection): string {
  if (/^https?:\/\//.test(connection.address)) return connection.address;
  return `${connection.tls ? "https" : "http"}://${connection.address}`;
}

async function readCa(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CliError(EXIT.config, `cannot read CA file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}
