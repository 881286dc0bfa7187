/**
 * docker compose's one-shot demo set-up: with the bootstrap admin token,
 * creates the secrets that examples/sidecar/configs reference (demo values,
 * never printed) and a workload token granted only those names, written to
 * a 0600 file for the demo workload's sidecar. Safe to run again.
 */
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { AdminService } from "../gen/secrets/v1/admin_service_pb.js";
import { SecretsService } from "../gen/secrets/v1/secrets_service_pb.js";
import { Role, SecretType } from "../gen/secrets/v1/types_pb.js";
import { replaceFileAtomically } from "../kernel/private-files.js";

const address = process.env.SECRETS_ADDRESS ?? "127.0.0.1:50051";
const adminTokenFile = process.env.ADMIN_TOKEN_FILE ?? "data/bootstrap-admin.token";
const workloadTokenFile = process.env.WORKLOAD_TOKEN_FILE ?? "demo/workload.token";

const demoValue = () => randomBytes(18).toString("base64url");
const DEMO_SECRETS = [
  { name: "GRAFANA_API_KEY", type: SecretType.TOKEN, value: { case: "token", value: `glsa_${demoValue()}` } },
  { name: "STRIPE_SECRET_KEY", type: SecretType.TOKEN, value: { case: "token", value: `sk_test_${demoValue()}` } },
  { name: "STRIPE_WEBHOOK_SECRET", type: SecretType.TOKEN, value: { case: "token", value: `whsec_${demoValue()}` } },
  {
    name: "ORDERS_DB",
    type: SecretType.USERNAME_PASSWORD,
    value: { case: "usernamePassword", value: { username: "orders", password: `${demoValue()}@:/?` } },
  },
  {
    name: "GCP_SERVICE_ACCOUNT",
    type: SecretType.JSON,
    value: { case: "json", value: JSON.stringify({ type: "service_account", project_id: "example-project-42", private_key: demoValue() }) },
  },
] as const;

const adminToken = (await readFile(adminTokenFile, "utf8")).trim();
const auth: Interceptor = (next) => (req) => {
  req.header.set("authorization", `Bearer ${adminToken}`);
  return next(req);
};
const transport = createGrpcTransport({ baseUrl: `http://${address}`, interceptors: [auth] });
const secrets = createClient(SecretsService, transport);
const admin = createClient(AdminService, transport);

for (const secret of DEMO_SECRETS) {
  try {
    await secrets.createSecret({ name: secret.name, type: secret.type, value: { kind: secret.value } });
    console.log(`created ${secret.name}`);
  } catch (error) {
    if (ConnectError.from(error).code !== Code.AlreadyExists) throw error;
    console.log(`${secret.name} exists already`);
  }
}
const { tokenSecret, apiToken } = await admin.createApiToken({
  displayName: "demo workload",
  role: Role.WORKLOAD,
  allowedSecretPatterns: DEMO_SECRETS.map((s) => s.name),
});
await replaceFileAtomically(workloadTokenFile, Buffer.from(`${tokenSecret}\n`, "utf8"));
console.log(`workload token ${apiToken?.id} written to ${workloadTokenFile}`);
