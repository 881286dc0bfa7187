/**
 * Bad input, over real gRPC on loopback: every invalid request gets its
 * status (INVALID_ARGUMENT with a google.rpc.BadRequest naming the field, or
 * ALREADY_EXISTS / ABORTED / NOT_FOUND), writes nothing (the secrets, their
 * versions and consumers read back the same), and never echoes a submitted
 * value. Malformed batches list each failing reference with its index and
 * reason; bytes that are not a protobuf message get INVALID_ARGUMENT and the
 * service keeps answering.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ReferenceErrorReason, ReferenceErrorsSchema } from "../../gen/secrets/v1/resolver_service_pb.js";
import type { CreateSecretRequest, CreateSecretRequestSchema } from "../../gen/secrets/v1/secrets_service_pb.js";
import { Role, SecretType, type SecretValueSchema } from "../../gen/secrets/v1/types_pb.js";
import { MAX_REFERENCES_PER_CALL } from "../../services/rpc/call-policy.js";
import { MAX_SECRET_NAME_LENGTH } from "../../kernel/names.js";
import { MAX_VALUE_BYTES } from "../../kernel/secret-values.js";
import { bearer, grpcJsClients, type RawClients } from "../support/grpc-js-client.js";
import { describeError, rejectionOf } from "../support/call-status.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

type ValueInit = MessageInitShape<typeof SecretValueSchema>;
/** The plain-object form of a request, so cases can be spread over a valid one. */
type CreateInit = Exclude<MessageInitShape<typeof CreateSecretRequestSchema>, CreateSecretRequest>;

const token = (value: string): ValueInit => ({ kind: { case: "token", value } });
const json = (value: string): ValueInit => ({ kind: { case: "json", value } });
const login = (username: string, password: string): ValueInit => ({
  kind: { case: "usernamePassword", value: { username, password } },
});

/** Values stored by the set-up: no error may ever contain them. */
const STORED_VALUES = ["stored-token-Q7v1", "stored-token-Q7v2", "stored-user-Kx3", "stored-pass-Kx3", "stored-json-Zr8"];

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;

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

/** Everything a bad call could have written: each secret's metadata, versions and consumers. */
async function storedState(): Promise<string> {
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

function violatedFields(error: ConnectError): string[] {
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
async function expectRejected(work: () => Promise<unknown>, expected: Expected): Promise<ConnectError> {
  const before = await storedState();
  const error = await rejectionOf(work());
  expect(Code[error.code]).toBe(Code[expected.code]);
  if (expected.field !== undefined) {
    expect(violatedFields(error)).toContain(expected.field);
    expect(error.rawMessage).toContain(expected.field);
  }
  const everything = describeError(error);
  for (const value of [...STORED_VALUES, ...(expected.submitted ?? [])].filter((v) => v !== ""))
    expect(everything).not.toContain(value);
  expect(await storedState()).toBe(before);
  return error;
}

/** The distinctive strings of a value, to search errors for. */
function valueTexts(value: ValueInit | undefined): string[] {
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

const oversized = (bytes: number) => "OVERSIZED-a91f-".padEnd(bytes, "x");

describe("CreateSecret", () => {
  const valid: CreateInit = { name: "NEW_SECRET", type: SecretType.TOKEN, value: token("submitted-token-Hc4") };
  const cases: [string, CreateInit, string][] = [
    ["an empty name", { name: "" }, "name"],
    [`a name of ${MAX_SECRET_NAME_LENGTH + 1} characters`, { name: "A".repeat(MAX_SECRET_NAME_LENGTH + 1) }, "name"],
    ["a name starting with a digit", { name: "9lives" }, "name"],
    ["a name with a space", { name: "has space" }, "name"],
    ["a name with a dot", { name: "has.dot" }, "name"],
    ["a name with a slash", { name: "has/slash" }, "name"],
    ["a name with a non-ASCII letter", { name: "naïve_key" }, "name"],
    ["an unspecified type", { type: SecretType.UNSPECIFIED }, "type"],
    ["no value", { value: undefined }, "value"],
    ["a JSON value for a TOKEN secret", { value: json('{"k":"submitted-json-Wd2"}') }, "value"],
    ["a token value for a JSON secret", { type: SecretType.JSON, value: token("submitted-token-Pf6") }, "value"],
    ["a token value for a USERNAME_PASSWORD secret", { type: SecretType.USERNAME_PASSWORD }, "value"],
    ["JSON that is an array", { type: SecretType.JSON, value: json('["submitted-array-Bn5"]') }, "value.json"],
    ["JSON that is a string", { type: SecretType.JSON, value: json('"submitted-string-Lm8"') }, "value.json"],
    ["JSON that does not parse", { type: SecretType.JSON, value: json('{"submitted-broken-Vt1": ') }, "value.json"],
    [
      "a USERNAME_PASSWORD value without a password",
      { type: SecretType.USERNAME_PASSWORD, value: login("submitted-user-Ye7", "") },
      "value.username_password.password",
    ],
    [
      "a USERNAME_PASSWORD value without a username",
      { type: SecretType.USERNAME_PASSWORD, value: login("", "submitted-pass-Ye7") },
      "value.username_password.username",
    ],
    ["an empty token", { value: token("") }, "value.token"],
    [`a value of ${MAX_VALUE_BYTES + 1} bytes`, { value: token(oversized(MAX_VALUE_BYTES + 1)) }, "value"],
    ["a label key with upper case and a space", { labels: { "Bad Key": "v" } }, 'labels["Bad Key"]'],
    ["a label key starting with a digit", { labels: { "1team": "v" } }, 'labels["1team"]'],
    ["a label key with a slash", { labels: { "team/owner": "v" } }, 'labels["team/owner"]'],
  ];

  it.each(cases)("refuses %s", async (_label, change, field) => {
    const request = { ...valid, ...change };
    await expectRejected(() => admin.secrets.createSecret(request), {
      code: Code.InvalidArgument,
      field,
      submitted: valueTexts(request.value),
    });
  });

  it.each([
    ["a case-insensitive duplicate", "dupname"],
    ["a duplicate of an archived secret", "ARCHIVED_ONE"],
  ])("refuses %s with ALREADY_EXISTS", async (_label, name) => {
    await expectRejected(() => admin.secrets.createSecret({ ...valid, name }), {
      code: Code.AlreadyExists,
      submitted: ["submitted-token-Hc4"],
    });
  });

  it("accepts a value of exactly the limit and a name of exactly the limit", async () => {
    const atLimit = await admin.secrets.createSecret({ ...valid, name: "AT_LIMIT", value: token(oversized(MAX_VALUE_BYTES)) });
    expect(atLimit.secret).toMatchObject({ name: "AT_LIMIT", version: 1n });
    const longName = `L${"n".repeat(MAX_SECRET_NAME_LENGTH - 1)}`;
    expect((await admin.secrets.createSecret({ ...valid, name: longName })).secret?.name).toBe(longName);
  });
});

describe("UpdateSecretValue", () => {
  it.each<[string, string, ValueInit, string]>([
    ["a JSON value for a TOKEN secret", "BASE_TOKEN", json('{"k":"submitted-json-Uq3"}'), "value"],
    ["an empty token", "BASE_TOKEN", token(""), "value.token"],
    [`a value of ${MAX_VALUE_BYTES + 1} bytes`, "BASE_TOKEN", token(oversized(MAX_VALUE_BYTES + 1)), "value"],
    ["a login without a password", "BASE_LOGIN", login("submitted-user-Gg2", ""), "value.username_password.password"],
    ["JSON that is an array", "BASE_JSON", json('["submitted-array-Hh9"]'), "value.json"],
    ["a bad name", "bad name", token("submitted-token-Rr5"), "name"],
  ])("refuses %s", async (_label, name, value, field) => {
    await expectRejected(() => admin.secrets.updateSecretValue({ name, value }), {
      code: Code.InvalidArgument,
      field,
      submitted: valueTexts(value),
    });
  });

  it("refuses a stale expected_version with ABORTED", async () => {
    await expectRejected(
      () => admin.secrets.updateSecretValue({ name: "BASE_TOKEN", value: token("submitted-token-Ab1"), expectedVersion: 1n }),
      { code: Code.Aborted, submitted: ["submitted-token-Ab1"] },
    );
  });

  it("refuses an unknown secret with NOT_FOUND", async () => {
    await expectRejected(() => admin.secrets.updateSecretValue({ name: "NO_SUCH_SECRET", value: token("submitted-token-Nf2") }), {
      code: Code.NotFound,
      submitted: ["submitted-token-Nf2"],
    });
  });
});

describe("UpdateSecretMetadata and etags", () => {
  const mask = (...paths: string[]) => ({ paths });
  it.each<[string, () => Promise<unknown>, Code, string | undefined]>([
    ["an empty update_mask", () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", displayName: "x", updateMask: mask() }), Code.InvalidArgument, "update_mask"],
    ["no update_mask", () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", displayName: "x" }), Code.InvalidArgument, "update_mask"],
    ["an update_mask naming `name`", () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", updateMask: mask("name") }), Code.InvalidArgument, "update_mask"],
    ["an update_mask naming `type`", () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", updateMask: mask("display_name", "type") }), Code.InvalidArgument, "update_mask"],
    ["a bad label key", () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", labels: { "BAD.key": "v" }, updateMask: mask("labels") }), Code.InvalidArgument, 'labels["BAD.key"]'],
    ["a malformed etag", () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", displayName: "x", updateMask: mask("display_name"), etag: "W/not-an-etag" }), Code.InvalidArgument, "etag"],
    ["a stale etag", () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", displayName: "x", updateMask: mask("display_name"), etag: "999999" }), Code.Aborted, undefined],
    ["a malformed etag on archive", () => admin.secrets.archiveSecret({ name: "BASE_JSON", etag: "not-an-etag" }), Code.InvalidArgument, "etag"],
    ["a malformed etag on delete", () => admin.secrets.deleteSecret({ name: "DupName", etag: "-1" }), Code.InvalidArgument, "etag"],
    ["a stale etag on delete", () => admin.secrets.deleteSecret({ name: "DupName", etag: "999999" }), Code.Aborted, undefined],
    ["an unknown secret", () => admin.secrets.updateSecretMetadata({ name: "NO_SUCH_SECRET", displayName: "x", updateMask: mask("display_name") }), Code.NotFound, undefined],
  ])("refuses %s", async (_label, work, code, field) => {
    await expectRejected(work, { code, ...(field !== undefined && { field }) });
  });
});

describe("paging", () => {
  it.each<[string, () => Promise<unknown>, string]>([
    ["ListSecrets: a garbage page_token", () => admin.secrets.listSecrets({ pageToken: "garbage!!" }), "page_token"],
    ["ListSecrets: a negative page_size", () => admin.secrets.listSecrets({ pageSize: -1 }), "page_size"],
    ["ListSecretVersions: a garbage page_token", () => admin.secrets.listSecretVersions({ name: "BASE_TOKEN", pageToken: "eyJjIjoxfQ" }), "page_token"],
    ["ListSecretVersions: a negative page_size", () => admin.secrets.listSecretVersions({ name: "BASE_TOKEN", pageSize: -5 }), "page_size"],
    ["ListSecretConsumers: a garbage page_token", () => admin.secrets.listSecretConsumers({ name: "BASE_TOKEN", pageToken: "%%%" }), "page_token"],
    ["ListSecretConsumers: a negative page_size", () => admin.secrets.listSecretConsumers({ name: "BASE_TOKEN", pageSize: -1 }), "page_size"],
    ["ListApiTokens: a garbage page_token", () => admin.admin.listApiTokens({ pageToken: "garbage" }), "page_token"],
    ["ListApiTokens: a negative page_size", () => admin.admin.listApiTokens({ pageSize: -1 }), "page_size"],
    ["ListAuditEvents: a garbage page_token", () => admin.admin.listAuditEvents({ pageToken: "garbage" }), "page_token"],
    ["ListAuditEvents: a negative page_size", () => admin.admin.listAuditEvents({ pageSize: -2147483648 }), "page_size"],
  ])("refuses %s", async (_label, work, field) => {
    await expectRejected(work, { code: Code.InvalidArgument, field });
  });

  it("refuses a ListSecrets page_token reused with other filters", async () => {
    const first = await admin.secrets.listSecrets({ pageSize: 1 });
    expect(first.nextPageToken).not.toBe("");
    await expectRejected(() => admin.secrets.listSecrets({ pageSize: 1, pageToken: first.nextPageToken, namePrefix: "base" }), {
      code: Code.InvalidArgument,
      field: "page_token",
    });
    await expectRejected(() => admin.secrets.listSecrets({ pageSize: 1, pageToken: first.nextPageToken, includeArchived: true }), {
      code: Code.InvalidArgument,
      field: "page_token",
    });
  });

  it("refuses a ListSecretVersions page_token reused for another secret", async () => {
    const first = await admin.secrets.listSecretVersions({ name: "BASE_TOKEN", pageSize: 1 });
    expect(first.nextPageToken).not.toBe("");
    await expectRejected(() => admin.secrets.listSecretVersions({ name: "BASE_JSON", pageSize: 1, pageToken: first.nextPageToken }), {
      code: Code.InvalidArgument,
      field: "page_token",
    });
  });

  it("refuses a ListAuditEvents page_token reused with another action filter", async () => {
    const first = await admin.admin.listAuditEvents({ pageSize: 1 });
    expect(first.nextPageToken).not.toBe("");
    await expectRejected(
      () => admin.admin.listAuditEvents({ pageSize: 1, pageToken: first.nextPageToken, action: "secrets.v1.SecretsService/CreateSecret" }),
      { code: Code.InvalidArgument, field: "page_token" },
    );
  });
});

/** The ReferenceErrors detail as [index, reason] pairs, checking each names its reference as sent. */
function referenceErrors(error: ConnectError, sent: readonly string[]): [number, ReferenceErrorReason][] {
  const [detail] = error.findDetails(ReferenceErrorsSchema);
  expect(detail).toBeDefined();
  for (const failure of detail!.errors) expect(failure.reference).toBe(sent[failure.index]);
  return detail!.errors.map((failure) => [failure.index, failure.reason]);
}

const MALFORMED_BATCH = [
  "$<secret.BASE_TOKEN>",
  "$<secret.>",
  "no placeholder at all",
  "$<secret.9starts_with_digit>",
  "{{# secrets.BASE_TOKEN }}",
  "$<secret.BASE_TOKEN",
  "prefix $<secret.BASE_TOKEN>",
  "$<secret.BASE_TOKEN | rot13>",
];
const MALFORMED_INDICES = [1, 2, 3, 4, 5, 6, 7].map((i): [number, ReferenceErrorReason] => [i, ReferenceErrorReason.MALFORMED]);
const TOO_MANY = Array.from({ length: MAX_REFERENCES_PER_CALL + 1 }, (_, i) => `$<secret.MANY_${i}>`);

describe("ResolveSecrets", () => {
  it("lists every malformed reference with its index and reason, and returns no value", async () => {
    const error = await expectRejected(() => workload.resolver.resolveSecrets({ references: MALFORMED_BATCH }), {
      code: Code.InvalidArgument,
    });
    expect(referenceErrors(error, MALFORMED_BATCH)).toEqual(MALFORMED_INDICES);
  });

  it("refuses unknown secrets with NOT_FOUND, naming only them", async () => {
    const references = ["$<secret.BASE_TOKEN>", "$<secret.NO_SUCH_SECRET>", "$<secret.BASE_LOGIN.password>", "${secret.ALSO_MISSING}"];
    const error = await expectRejected(() => workload.resolver.resolveSecrets({ references }), { code: Code.NotFound });
    expect(referenceErrors(error, references)).toEqual([
      [1, ReferenceErrorReason.NOT_FOUND],
      [3, ReferenceErrorReason.NOT_FOUND],
    ]);
  });

  it(`refuses more than ${MAX_REFERENCES_PER_CALL} references`, async () => {
    await expectRejected(() => workload.resolver.resolveSecrets({ references: TOO_MANY }), {
      code: Code.InvalidArgument,
      field: "references",
    });
  });

  it("refuses a consumer id with spaces", async () => {
    await expectRejected(
      () => workload.resolver.resolveSecrets({ references: ["$<secret.BASE_TOKEN>"], consumerId: "service with spaces" }),
      { code: Code.InvalidArgument, field: "consumer_id" },
    );
  });
});

describe("SetConsumerReferences", () => {
  it("lists every malformed reference with its index and reason, and registers nothing", async () => {
    const error = await expectRejected(
      () => workload.resolver.setConsumerReferences({ consumerId: "service/malformed", references: MALFORMED_BATCH }),
      { code: Code.InvalidArgument },
    );
    expect(referenceErrors(error, MALFORMED_BATCH)).toEqual(MALFORMED_INDICES);
  });

  // The proto says ReferenceError.index is the index in the request; the
  // service numbers the de-duplicated list instead, so after a duplicate
  // every index is off by one.
  it("gives indices in the request even after a duplicate reference", async () => {
    const references = ["$<secret.BASE_TOKEN>", "$<secret.BASE_TOKEN>", "$<secret.>"];
    const error = await expectRejected(
      () => workload.resolver.setConsumerReferences({ consumerId: "service/duplicates", references }),
      { code: Code.InvalidArgument },
    );
    expect(referenceErrors(error, references)).toEqual([[2, ReferenceErrorReason.MALFORMED]]);
  });

  it("refuses unknown secrets with NOT_FOUND and registers nothing, not even the known ones", async () => {
    const references = ["$<secret.BASE_JSON.k>", "$<secret.NO_SUCH_SECRET>"];
    const error = await expectRejected(
      () => workload.resolver.setConsumerReferences({ consumerId: "service/unknown", references }),
      { code: Code.NotFound },
    );
    expect(referenceErrors(error, references)).toEqual([[1, ReferenceErrorReason.NOT_FOUND]]);
  });

  it("leaves an existing consumer's references alone when a replacement fails", async () => {
    await expectRejected(
      () => workload.resolver.setConsumerReferences({ consumerId: "service/base", references: ["$<secret.NO_SUCH_SECRET>"] }),
      { code: Code.NotFound },
    );
  });

  it(`refuses more than ${MAX_REFERENCES_PER_CALL} references`, async () => {
    await expectRejected(() => workload.resolver.setConsumerReferences({ consumerId: "service/many", references: TOO_MANY }), {
      code: Code.InvalidArgument,
      field: "references",
    });
  });

  it.each(["service with spaces", ""])("refuses the consumer id %j", async (consumerId) => {
    await expectRejected(
      () => workload.resolver.setConsumerReferences({ consumerId, references: ["$<secret.BASE_TOKEN>"] }),
      { code: Code.InvalidArgument, field: "consumer_id" },
    );
  });
});

describe("WatchSecrets", () => {
  async function firstMessage(stream: AsyncIterable<unknown>): Promise<unknown> {
    for await (const message of stream) return message;
    throw new Error("the stream ended without a message");
  }

  it.each<[string, string[], string]>([
    ["no names", [], "names"],
    ["a bad name", ["BASE_TOKEN", "bad name"], "names[1]"],
  ])("refuses %s", async (_label, names, field) => {
    await expectRejected(() => firstMessage(workload.resolver.watchSecrets({ names })), { code: Code.InvalidArgument, field });
  });
});

describe("bytes that are not a protobuf message", () => {
  let raw: RawClients;
  beforeAll(() => {
    raw = grpcJsClients(svc.address);
  });
  afterAll(() => raw?.close());

  /** Sends `bytes` as the request of a unary method, bypassing any serializer; resolves with the status. */
  function sendBytes(client: grpc.Client, path: string, bytes: Buffer): Promise<grpc.ServiceError | null> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        path,
        () => bytes,
        (response: Buffer) => response,
        {},
        bearer(svc.adminToken),
        (error) => resolve(error),
      );
    });
  }

  it.each<[string, keyof Omit<RawClients, "close">, string, number[]]>([
    ["a varint that never ends", "secrets", "/secrets.v1.SecretsService/CreateSecret", [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ["a field longer than the message", "secrets", "/secrets.v1.SecretsService/UpdateSecretValue", [0x0a, 0x64, 0x42, 0x41]],
    ["an invalid wire type", "resolver", "/secrets.v1.ResolverService/ResolveSecrets", [0x0f, 0x01]],
    ["a truncated nested message", "resolver", "/secrets.v1.ResolverService/SetConsumerReferences", [0x0a, 0x01, 0x61, 0x12, 0x05, 0x24]],
  ])("%s gets INVALID_ARGUMENT and the service still answers", async (_label, service, path, bytes) => {
    const before = await storedState();
    const error = await sendBytes(raw[service], path, Buffer.from(bytes));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.details).toMatch(/not a valid .* message/);
    expect(await storedState()).toBe(before);
    const { secrets } = await admin.secrets.listSecrets({});
    expect(secrets.map((s) => s.name)).toContain("BASE_TOKEN");
  });
});
