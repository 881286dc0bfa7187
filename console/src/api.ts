/**
 * The console's only way to the service: the generated clients over the
 * Connect protocol, same origin, with the signed-in token as a bearer header.
 * There is no other API.
 */
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AdminService } from "../../gen/secrets/v1/admin_service_pb.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";

export interface Api {
  secrets: Client<typeof SecretsService>;
  admin: Client<typeof AdminService>;
}

export function apiFor(token: string): Api {
  const bearer: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  const transport = createConnectTransport({ baseUrl: location.origin, useBinaryFormat: true, interceptors: [bearer] });
  return { secrets: createClient(SecretsService, transport), admin: createClient(AdminService, transport) };
}
