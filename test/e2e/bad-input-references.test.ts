/**
 * Bad references and bad bytes, over real gRPC on loopback: malformed batches
 * list each failing reference with its index and reason and resolve or register
 * nothing; bytes that are not a protobuf message get INVALID_ARGUMENT and the
 * service keeps answering. Like bad-input.test.ts, no error echoes a value.
 */
import { Code, type ConnectError } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReferenceErrorReason, ReferenceErrorsSchema } from "../../gen/secrets/v1/resolver_service_pb.js";
import { MAX_REFERENCES_PER_CALL } from "../../services/rpc/call-policy.js";
import { bearer, grpcJsClients, type RawClients } from "../support/grpc-js-client.js";
import { admin, expectRejected, storedState, svc, useBadInputService, workload } from "./bad-input-support.js";

useBadInputService();

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
    const error = await expectRejected(() => workload.resolver.setConsumerReferences({ consumerId: "service/duplicates", references }), {
      code: Code.InvalidArgument,
    });
    expect(referenceErrors(error, references)).toEqual([[2, ReferenceErrorReason.MALFORMED]]);
  });

  it("refuses unknown secrets with NOT_FOUND and registers nothing, not even the known ones", async () => {
    const references = ["$<secret.BASE_JSON.k>", "$<secret.NO_SUCH_SECRET>"];
    const error = await expectRejected(() => workload.resolver.setConsumerReferences({ consumerId: "service/unknown", references }), {
      code: Code.NotFound,
    });
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
    await expectRejected(() => workload.resolver.setConsumerReferences({ consumerId, references: ["$<secret.BASE_TOKEN>"] }), {
      code: Code.InvalidArgument,
      field: "consumer_id",
    });
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
    [
      "a varint that never ends",
      "secrets",
      "/secrets.v1.SecretsService/CreateSecret",
      [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ],
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
