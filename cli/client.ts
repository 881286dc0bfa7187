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
import { describeTlsMismatch } from "../kernel/tls-mismatch.js";
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
  const url = baseUrl(connection);
  // TLS on one side only: one sentence with the flag that fixes it, instead of a raw socket error.
  const tlsMismatch: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      const message = await describeTlsMismatch(error, { baseUrl: url, tlsFlags: CLI_TLS_FLAGS, plaintextFlags: CLI_PLAINTEXT_FLAGS });
      throw message === undefined ? error : new CliError(EXIT.config, message);
    }
  };
  const transport = createGrpcTransport({
    baseUrl: url,
    interceptors: [tlsMismatch, auth],
    ...(connection.caFile !== undefined && { nodeOptions: { ca: await readCa(connection.caFile) } }),
  });
  return {
    secrets: createClient(SecretsService, transport),
    resolver: createClient(ResolverService, transport),
    admin: createClient(AdminService, transport),
  };
}

const CLI_TLS_FLAGS = "--tls (or --ca-file FILE for a private CA) when you log in";
const CLI_PLAINTEXT_FLAGS = "log in again without --tls and --ca-file, and unset SECRETS_CA_FILE";

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
