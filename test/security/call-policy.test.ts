/**
 * The call-policy table: every generated method has an entry (the compiler
 * refuses one without; this checks the running table too), and the pipeline
 * applies each entry: the role check, the rate-limit class (denials counted),
 * the audit rule, and stream slots.
 */
import { describe, expect, it } from "vitest";
import { AdminService } from "../../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";
import { ServiceError } from "../../services/domain/errors.js";
import { statusCodeOf } from "../../services/rpc/status-codes.js";
import { roleAllows } from "../../services/domain/permissions.js";
import { CALL_POLICIES, auditedNames, fullMethodName, policyOf, type ServicePolicy } from "../../services/rpc/call-policy.js";
import { ROLES, stubPipeline } from "./pipeline-stub.js";

const SERVICES = [SecretsService, ResolverService, AdminService];
const METHODS = SERVICES.flatMap((service) => service.methods);

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "OK";
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return statusCodeOf(error as ServiceError);
  }
}

describe("the call-policy table", () => {
  it("has an entry for every generated method, and stream limits exactly for the streaming ones", () => {
    expect([...CALL_POLICIES.keys()].sort()).toEqual(METHODS.map(fullMethodName).sort());
    for (const method of METHODS)
      expect(policyOf(fullMethodName(method)).stream !== undefined, method.name).toBe(method.methodKind === "server_streaming");
  });

  it("is checked by the compiler: a missing method, or a stream without limits, does not type-check", () => {
    const rules = { permission: "tenant.create", rateLimit: "write", audit: { record: "every-call", maxNames: 1 } } as const;
    // @ts-expect-error: every method of the service needs an entry.
    const missing: ServicePolicy<typeof AdminService> = { createTenant: rules };
    const streamWithoutLimits: Pick<ServicePolicy<typeof AdminService>, "rotateTenantKey"> = {
      // @ts-expect-error: a server-streaming method needs its stream limits.
      rotateTenantKey: rules,
    };
    expect([missing, streamWithoutLimits]).toHaveLength(2);
  });

  it("refuses a method outside the table loudly rather than serving it without rules", () => {
    expect(() => policyOf("secrets.v1.SecretsService/Unknown")).toThrow(/no call policy/);
  });

  it("keeps a denial's first names and their count, and a success's names up to the rule's maximum", () => {
    const names = Array.from({ length: 25 }, (_, i) => `N${i}`);
    expect(auditedNames({ record: "every-call", maxNames: 1000 }, true, names)).toEqual([...names.slice(0, 10), "+15 more"]);
    expect(auditedNames({ record: "every-call", maxNames: 1000 }, false, names)).toEqual(names);
    expect(auditedNames({ record: "every-call", maxNames: 1 }, false, names)).toEqual(["N0", "+24 more"]);
  });
});

describe("the pipeline applies the table", () => {
  it.each(METHODS.map((method) => ({ name: fullMethodName(method), streaming: method.methodKind === "server_streaming" })))(
    "$name: the role check and the audit rule",
    async ({ name, streaming }) => {
      const { pipeline, audit, start } = stubPipeline();
      const policy = policyOf(name);
      for (const role of ROLES) {
        let ran = false;
        const call = streaming
          ? async () => {
              for await (const _ of pipeline.serverStream(start(name, role), async function* () {
                ran = true;
                yield 1;
              }));
            }
          : () =>
              pipeline.unary(start(name, role), async () => {
                ran = true;
              });
        const before = audit.length;
        const allowed = roleAllows(role, policy.permission);
        expect(await outcome(call), role).toBe(allowed ? "OK" : "PERMISSION_DENIED");
        expect(ran).toBe(allowed);
        const audited = audit.length - before;
        expect(audited, role).toBe(!allowed || policy.audit.record === "every-call" ? 1 : 0);
      }
    },
  );

  it.each(METHODS.map(fullMethodName))("%s: counted in its rate-limit class, denials included", async (name) => {
    const policy = policyOf(name);
    const { pipeline, start } = stubPipeline({ rateLimits: { read: 0, write: 0, resolve: 0, stream: 0, [policy.rateLimit]: 1 } });
    // A role that is denied the method where there is one: denials must be limited too.
    const denied = ROLES.find((role) => !roleAllows(role, policy.permission));
    const caller = denied ?? "VIEWER";
    const codes: string[] = [];
    // A burst of 2 at 1 per second: ten calls cannot all pass, however slow the machine.
    for (let i = 0; i < 10; i++)
      codes.push(
        await outcome(async () => {
          if (policy.stream) for await (const _ of pipeline.serverStream(start(name, caller), async function* () {}));
          else await pipeline.unary(start(name, caller), async () => undefined);
        }),
      );
    expect(codes[0]).toBe(denied ? "PERMISSION_DENIED" : "OK");
    expect(codes).toContain("RESOURCE_EXHAUSTED");
  });
});
