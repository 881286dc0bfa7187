/**
 * Bad input to secret writes and lists, over real gRPC on loopback: every
 * invalid request gets its status (INVALID_ARGUMENT with a google.rpc.BadRequest
 * naming the field, or ALREADY_EXISTS / ABORTED / NOT_FOUND), writes nothing
 * (the secrets, their versions and consumers read back the same), and never
 * echoes a submitted value. References and raw bytes: bad-input-references.test.ts.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { MAX_SECRET_NAME_LENGTH } from "../../kernel/names.js";
import { MAX_VALUE_BYTES } from "../../kernel/secret-values.js";
import {
  admin,
  expectRejected,
  json,
  login,
  oversized,
  token,
  useBadInputService,
  valueTexts,
  type CreateInit,
  type ValueInit,
} from "./bad-input-support.js";

useBadInputService();

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
    [
      "an empty update_mask",
      () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", displayName: "x", updateMask: mask() }),
      Code.InvalidArgument,
      "update_mask",
    ],
    [
      "no update_mask",
      () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", displayName: "x" }),
      Code.InvalidArgument,
      "update_mask",
    ],
    [
      "an update_mask naming `name`",
      () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", updateMask: mask("name") }),
      Code.InvalidArgument,
      "update_mask",
    ],
    [
      "an update_mask naming `type`",
      () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", updateMask: mask("display_name", "type") }),
      Code.InvalidArgument,
      "update_mask",
    ],
    [
      "a bad label key",
      () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", labels: { "BAD.key": "v" }, updateMask: mask("labels") }),
      Code.InvalidArgument,
      'labels["BAD.key"]',
    ],
    [
      "a malformed etag",
      () =>
        admin.secrets.updateSecretMetadata({
          name: "BASE_TOKEN",
          displayName: "x",
          updateMask: mask("display_name"),
          etag: "W/not-an-etag",
        }),
      Code.InvalidArgument,
      "etag",
    ],
    [
      "a stale etag",
      () => admin.secrets.updateSecretMetadata({ name: "BASE_TOKEN", displayName: "x", updateMask: mask("display_name"), etag: "999999" }),
      Code.Aborted,
      undefined,
    ],
    [
      "a malformed etag on archive",
      () => admin.secrets.archiveSecret({ name: "BASE_JSON", etag: "not-an-etag" }),
      Code.InvalidArgument,
      "etag",
    ],
    ["a malformed etag on delete", () => admin.secrets.deleteSecret({ name: "DupName", etag: "-1" }), Code.InvalidArgument, "etag"],
    ["a stale etag on delete", () => admin.secrets.deleteSecret({ name: "DupName", etag: "999999" }), Code.Aborted, undefined],
    [
      "an unknown secret",
      () => admin.secrets.updateSecretMetadata({ name: "NO_SUCH_SECRET", displayName: "x", updateMask: mask("display_name") }),
      Code.NotFound,
      undefined,
    ],
  ])("refuses %s", async (_label, work, code, field) => {
    await expectRejected(work, { code, ...(field !== undefined && { field }) });
  });
});

describe("paging", () => {
  it.each<[string, () => Promise<unknown>, string]>([
    ["ListSecrets: a garbage page_token", () => admin.secrets.listSecrets({ pageToken: "garbage!!" }), "page_token"],
    ["ListSecrets: a negative page_size", () => admin.secrets.listSecrets({ pageSize: -1 }), "page_size"],
    [
      "ListSecretVersions: a garbage page_token",
      () => admin.secrets.listSecretVersions({ name: "BASE_TOKEN", pageToken: "eyJjIjoxfQ" }),
      "page_token",
    ],
    ["ListSecretVersions: a negative page_size", () => admin.secrets.listSecretVersions({ name: "BASE_TOKEN", pageSize: -5 }), "page_size"],
    [
      "ListSecretConsumers: a garbage page_token",
      () => admin.secrets.listSecretConsumers({ name: "BASE_TOKEN", pageToken: "%%%" }),
      "page_token",
    ],
    [
      "ListSecretConsumers: a negative page_size",
      () => admin.secrets.listSecretConsumers({ name: "BASE_TOKEN", pageSize: -1 }),
      "page_size",
    ],
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
