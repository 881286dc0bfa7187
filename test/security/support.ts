/** Shared set-up of the hostile-caller tests: a service, its admin, and tokens of any role. */
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, type ConnectClients, type TestService } from "../support/service.js";

export const tokenValue = (text: string) => ({ kind: { case: "token" as const, value: text } });

export async function createTokenSecret(admin: ConnectClients, name: string, value: string): Promise<void> {
  await admin.secrets.createSecret({ name, type: SecretType.TOKEN, value: tokenValue(value) });
}

/** Mints a token of `role` with the admin's clients; returns its id, secret and clients. */
export async function mint(svc: TestService, admin: ConnectClients, role: Role, patterns: string[] = []) {
  const created = await admin.admin.createApiToken({ displayName: `${Role[role]} test`, role, allowedSecretPatterns: patterns });
  return { id: created.apiToken!.id, secret: created.tokenSecret, clients: connectClients(svc.address, created.tokenSecret) };
}
