/**
 * What the bad-input suites share: one service holding a few secrets, and
 * `expectRejected`, which checks that a call fails with its status, writes
 * nothing (the stored state reads back the same) and echoes no value.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, expect } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { CreateSecretRequest, CreateSecretRequestSchema } from "../../gen/secrets/v1/secrets_service_pb.js";
import { Role, SecretType, type SecretValueSchema } from "../../gen/secrets/v1/types_pb.js";
import { describeError, rejectionOf } from "../support/call-status.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

export type ValueInit = MessageInitShape<typeof SecretValueSchema>;
/** The plain-object form of a request, so cases can be spread over a valid one. */
export type CreateInit = Exclude<MessageInitShape<typeof CreateSecretRequestSchema>, CreateSecretRequest>;

export const token = (value: string): ValueInit => ({ kind: { case: "token", value } });
export const json = (value: string): ValueInit => ({ kind: { case: "json", value } });
export const login = (username: string, password: string): ValueInit => ({
  kind: { case: "usernamePassword", value: { username, password } },
});

/** Values stored by the set-up: no error may ever contain them. */
export const STORED_VALUES = ["stored-token-Q7v1", "stored-token-Q7v2", "stored-user-Kx3", "stored-pass-Kx3", "stored-json-Zr8"];

export let svc: TestService;
export let admin: ConnectClients;
export let workload: ConnectClients;

/** Starts the service with the stored secrets every bad-input case must leave as they are. */
export function useBadInputService(): void {
  beforeAll(async () => {
    svc = await startTestService({ args: ["--write-rate-limit", "0", "--resolve-rate-limit", "0", "--read-rate-limit", "0"] });
    admin = connectClients(svc.address, svc.adminToken);
    const minted = await admin.admin.createApiToken({ role: Role.WORKLOAD, allowedSecretPatterns: ["*"] });
    workload = connectClients(svc.address, minted.tokenSecret);

    await admin.secrets.createSecret({ name: "BASE_TOKEN", type: SecretType.TOKEN, value: token("stored-token-Q7v1") });
    await admin.secrets.updateSecretValue({ name: "BASE_TOKEN", value: token("stored-token-Q7v2") });
    await admin.secrets.createSecret({
      name: "BASE_LOGIN",
      type: SecretType.USERNAME_PASSWORD,
      value: login("stored-user-Kx3", "stored-pass-Kx3"),
    });
    await admin.secrets.createSecret({ name: "BASE_JSON", type: SecretType.JSON, value: json('{"k":"stored-json-Zr8"}') });
    await admin.secrets.createSecret({ name: "DupName", type: SecretType.TOKEN, value: token("stored-token-Q7v1") });
    await admin.secrets.createSecret({ name: "Archived_One", type: SecretType.TOKEN, value: token("stored-token-Q7v1") });
    await admin.secrets.archiveSecret({ name: "Archived_One" });
    await workload.resolver.setConsumerReferences({ consumerId: "service/base", references: ["$<secret.BASE_TOKEN>"] });
  });

  afterAll(async () => {
    await svc?.cleanup();
  });
}

/** Everything a bad call could have written: each secret's metadata, versions and consumers. */
export async function storedState(): Promise<string> {
  const { secrets } = await admin.secrets.listSecrets({ includeArchived: true, pageSize: 1000 });
  const details = await Promise.all(
    secrets.map(async (secret) => ({
      secret,
      versions: (await admin.secrets.listSecretVersions({ name: secret.name, pageSize: 1000 })).versions,
      consumers: (await admin.secrets.listSecretConsumers({ name: secret.name, pageSize: 1000 })).consumers,
    })),
  );
  return JSON.stringify(details, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
}

export function violatedFields(error: ConnectError): string[] {
  return error.findDetails(BadRequestSchema).flatMap((detail) => detail.fieldViolations.map((v) => v.field));
}

interface Expected {
  code: Code;
  /** The field a BadRequest violation must name (INVALID_ARGUMENT only). */
  field?: string;
  /** Distinctive values sent in the request, which the error must not contain. */
  submitted?: string[];
}

/** Runs a call that must fail as expected, leave the stored state as it was, and echo no value. */
export async function expectRejected(work: () => Promise<unknown>, expected: Expected): Promise<ConnectError> {
  const before = await storedState();
  const error = await rejectionOf(work());
  expect(Code[error.code]).toBe(Code[expected.code]);
  if (expected.field !== undefined) {
    expect(violatedFields(error)).toContain(expected.field);
    expect(error.rawMessage).toContain(expected.field);
  }
  const everything = describeError(error);
  for (const value of [...STORED_VALUES, ...(expected.submitted ?? [])].filter((v) => v !== "")) expect(everything).not.toContain(value);
  expect(await storedState()).toBe(before);
  return error;
}

/** The distinctive strings of a value, to search errors for. */
export function valueTexts(value: ValueInit | undefined): string[] {
  switch (value?.kind?.case) {
    case "token":
    case "json":
      return [value.kind.value!.slice(0, 64)];
    case "usernamePassword":
      return [value.kind.value!.username ?? "", value.kind.value!.password ?? ""];
    default:
      return [];
  }
}

export const oversized = (bytes: number) => "OVERSIZED-a91f-".padEnd(bytes, "x");
