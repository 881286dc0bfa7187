/**
 * Finding 2: a 500-byte ResolveSecrets with 55 chained `| base64` returned
 * 195 MB. Filters per reference are now few, each resolved value and the
 * whole response are capped, and the refusal names the reference.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReferenceErrorsSchema } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { MAX_FILTERS_PER_REFERENCE } from "../../kernel/reference-filters.js";
import { MAX_VALUE_BYTES } from "../../kernel/secret-values.js";
import { rejectionOf } from "../support/call-status.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { createTokenSecret, mint } from "./support.js";

const MAX_MESSAGE_BYTES = 1024 * 1024;

describe("filter amplification", () => {
  let svc: TestService;
  let workload: ConnectClients;
  beforeAll(async () => {
    svc = await startTestService({ args: ["--max-message-bytes", String(MAX_MESSAGE_BYTES)] });
    const admin = connectClients(svc.address, svc.adminToken);
    await createTokenSecret(admin, "SMALL", "0123456789");
    await createTokenSecret(admin, "PERCENTS", "%".repeat(MAX_VALUE_BYTES));
    await createTokenSecret(admin, "LARGE", "x".repeat(MAX_VALUE_BYTES));
    workload = (await mint(svc, admin, Role.WORKLOAD, ["*"])).clients;
  });
  afterAll(async () => {
    await svc?.cleanup();
  });

  it("refuses a chain of more filters than allowed with INVALID_ARGUMENT naming the reference", async () => {
    const chained = `$<secret.SMALL${" | base64".repeat(20)}>`;
    const error = await rejectionOf(workload.resolver.resolveSecrets({ references: ["$<secret.SMALL>", chained] }));
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(ReferenceErrorsSchema);
    expect(details?.errors.map((e) => [e.index, e.reference])).toEqual([[1, chained]]);
    expect(details?.errors[0]?.message).toContain(`at most ${MAX_FILTERS_PER_REFERENCE} filters`);
  });

  it("allows the maximum number of filters on a small value", async () => {
    const chained = `$<secret.SMALL${" | base64".repeat(MAX_FILTERS_PER_REFERENCE)}>`;
    expect((await workload.resolver.resolveSecrets({ references: [chained] })).values).toHaveLength(1);
  });

  it("refuses a resolved value grown past its cap with RESOURCE_EXHAUSTED naming the reference", async () => {
    const grown = "$<secret.PERCENTS | urlencode | urlencode>";
    const error = await rejectionOf(workload.resolver.resolveSecrets({ references: [grown] }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toContain(grown);
    expect(error.rawMessage).not.toContain("%%");
  });

  it("refuses a response larger than the message size limit with RESOURCE_EXHAUSTED naming the reference", async () => {
    const references = Array.from({ length: 20 }, (_, i) => `$<secret.LARGE${" | base64".repeat(1 + (i % 2))}>`);
    const error = await rejectionOf(workload.resolver.resolveSecrets({ references }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/\$<secret\.LARGE/);
    expect(error.rawMessage).toContain(String(MAX_MESSAGE_BYTES));
  });
});
