/**
 * A write that stores its success record with its change (one transaction):
 * the pipeline builds that record, and then writes none of its own for the
 * call, not even when something fails after the change.
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../services/domain/errors.js";
import type { AuditEventRecord } from "../../services/ports/audit-store.js";
import { stubPipeline } from "../security/pipeline-stub.js";

const UPDATE = "secrets.v1.SecretsService/UpdateSecretValue";

describe("the audit record stored with a change", () => {
  it("is built by the pipeline for the call, and the pipeline then records nothing more", async () => {
    const { pipeline, audit, start } = stubPipeline();
    let stored: AuditEventRecord | undefined;
    await pipeline.unary(start(UPDATE, "ADMIN"), async (ctx) => {
      ctx.audit.resources = ["API_KEY"];
      stored = ctx.auditEventOnSuccess?.({ version: 7 });
      ctx.audit.recordedWithChange = true;
    });
    expect(stored).toMatchObject({
      tenantId: "t",
      actorTokenId: "tok_ADMIN",
      action: UPDATE,
      resources: ["API_KEY"],
      outcome: "SUCCESS",
      statusCode: "OK",
      version: 7,
    });
    expect(audit).toEqual([]);
  });

  it("stands alone when the call fails after its change was stored", async () => {
    const { pipeline, audit, start } = stubPipeline();
    const failed = pipeline.unary(start(UPDATE, "ADMIN"), async (ctx) => {
      ctx.audit.resources = ["API_KEY"];
      ctx.audit.recordedWithChange = true;
      throw new ServiceError("the disk did not confirm the write", { reason: "BACKEND_UNAVAILABLE" });
    });
    await expect(failed).rejects.toBeInstanceOf(ServiceError);
    expect(audit).toEqual([]);
  });

  it("is left to the pipeline when the write did not store it", async () => {
    const { pipeline, audit, start } = stubPipeline();
    await pipeline.unary(start(UPDATE, "ADMIN"), async (ctx) => {
      ctx.audit.resources = ["API_KEY"];
      ctx.audit.version = 3;
    });
    expect(audit).toMatchObject([{ action: UPDATE, outcome: "SUCCESS", version: 3, resources: ["API_KEY"] }]);
  });
});
