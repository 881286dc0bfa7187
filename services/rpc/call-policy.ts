/**
 * Every RPC's rules in one table, keyed by the generated service descriptors:
 * the permission its caller's role must hold, the rate-limit class it is
 * counted in, what of it the audit trail records, and (for server streams)
 * how many may be open per token and how many names one may carry. The
 * mapped types below make the compiler refuse a method without an entry, and
 * a streaming method without stream limits; the CallPipeline reads the table,
 * so no handler can forget a rule.
 */
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { AdminService } from "../../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";
import { MAX_REFERENCES_PER_CALL } from "../domain/batch-limits.js";
import type { Permission } from "../domain/permissions.js";

/** Each class has its own per-token token bucket (rates are flags). */
export type RateLimitClass = "read" | "write" | "resolve" | "stream";

/**
 * What the handler checks beyond the role's permission, because it depends
 * on the resource: named here so that the table says it, checked there.
 */
export type ResourceCheck =
  /** Workloads only reach the secret names their token's patterns grant. */
  | "granted-names"
  /** A consumer belongs to the token that created it (services/domain/consumer-ownership.ts; an admin may reassign it). */
  | "consumer-owner"
  /** A caller manages only tokens of roles it could create. */
  | "manageable-role";

export interface AuditRule {
  /** `every-call`: successes and failures; `failures-only`: reads whose success is not worth a row. */
  record: "every-call" | "failures-only";
  /** The most resource names a row keeps; a denial keeps fewer (see DENIED_NAMES_KEPT). */
  maxNames: number;
}

/** A stream limit: fixed here, or taken from a flag (the StreamLimitConfig key). */
export type StreamLimit = { fixed: number } | { flag: keyof StreamLimitConfig };

export interface StreamRule {
  /** Streams of this method one token may hold open at once. */
  maxOpenPerToken: StreamLimit;
  /** Names one stream may watch. */
  maxNames?: StreamLimit;
}

/** The stream limits operators tune by flag. */
export interface StreamLimitConfig {
  streamsPerToken: number;
  namesPerStream: number;
}

interface PolicyRules {
  /** The role permission the pipeline checks before the handler runs. */
  permission: Permission;
  resourceChecks?: readonly ResourceCheck[];
  rateLimit: RateLimitClass;
  audit: AuditRule;
}

type UnaryPolicy = PolicyRules & { stream?: undefined };
type StreamingPolicy = PolicyRules & { stream: StreamRule };

export type MethodPolicy = UnaryPolicy | StreamingPolicy;

type PolicyOf<M> = M extends { methodKind: "server_streaming" } ? StreamingPolicy : UnaryPolicy;

/** One entry per method of the service, by the descriptor's local method names. */
export type ServicePolicy<S extends DescService> = { readonly [K in keyof S["method"]]: PolicyOf<S["method"][K]> };

/** A denied call's audit row keeps this many of the names asked for, and their count. */
export const DENIED_NAMES_KEPT = 10;

const one = { maxNames: 1 } as const;
const changes = { record: "every-call", ...one } as const;
const reads = { record: "failures-only", ...one } as const;

const SECRETS: ServicePolicy<typeof SecretsService> = {
  createSecret: { permission: "secret.create", rateLimit: "write", audit: changes },
  getSecret: { permission: "secret.read", rateLimit: "read", audit: reads },
  listSecrets: { permission: "secret.read", rateLimit: "read", audit: reads },
  updateSecretValue: { permission: "secret.update", rateLimit: "write", audit: changes },
  updateSecretMetadata: { permission: "secret.update", rateLimit: "write", audit: changes },
  rollbackSecret: { permission: "secret.update", rateLimit: "write", audit: changes },
  listSecretVersions: { permission: "secret.read", rateLimit: "read", audit: reads },
  archiveSecret: { permission: "secret.archive", rateLimit: "write", audit: changes },
  restoreSecret: { permission: "secret.archive", rateLimit: "write", audit: changes },
  deleteSecret: { permission: "secret.delete", rateLimit: "write", audit: changes },
  listSecretConsumers: { permission: "secret.read", rateLimit: "read", audit: reads },
  // The console's live list: names and versions of the caller's tenant, for people.
  watchSecretChanges: {
    permission: "secret.read",
    rateLimit: "stream",
    audit: { record: "every-call", maxNames: 0 },
    stream: { maxOpenPerToken: { flag: "streamsPerToken" } },
  },
};

export { MAX_REFERENCES_PER_CALL };

const RESOLVER: ServicePolicy<typeof ResolverService> = {
  setConsumerReferences: {
    permission: "consumer.write",
    resourceChecks: ["granted-names", "consumer-owner"],
    rateLimit: "write",
    audit: { record: "every-call", maxNames: MAX_REFERENCES_PER_CALL },
  },
  deleteConsumer: { permission: "consumer.write", resourceChecks: ["consumer-owner"], rateLimit: "write", audit: changes },
  resolveSecrets: {
    permission: "secret.resolve",
    resourceChecks: ["granted-names"],
    rateLimit: "resolve",
    audit: { record: "every-call", maxNames: MAX_REFERENCES_PER_CALL },
  },
  watchSecrets: {
    permission: "secret.watch",
    resourceChecks: ["granted-names"],
    rateLimit: "stream",
    audit: { record: "every-call", maxNames: MAX_REFERENCES_PER_CALL },
    stream: { maxOpenPerToken: { flag: "streamsPerToken" }, maxNames: { flag: "namesPerStream" } },
  },
};

const ADMIN: ServicePolicy<typeof AdminService> = {
  createTenant: { permission: "tenant.create", rateLimit: "write", audit: changes },
  listTenants: { permission: "tenant.list", rateLimit: "read", audit: reads },
  createApiToken: { permission: "token.manage", resourceChecks: ["manageable-role"], rateLimit: "write", audit: changes },
  listApiTokens: { permission: "token.manage", resourceChecks: ["manageable-role"], rateLimit: "read", audit: reads },
  revokeApiToken: { permission: "token.manage", resourceChecks: ["manageable-role"], rateLimit: "write", audit: changes },
  listAuditEvents: { permission: "audit.read", rateLimit: "read", audit: reads },
  // One rotation at a time per token: a second would only race the first's rewrap.
  rotateTenantKey: { permission: "key.rotate", rateLimit: "write", audit: changes, stream: { maxOpenPerToken: { fixed: 1 } } },
  // A client's sign-in (the console) asks who its token is.
  getCaller: { permission: "caller.read", rateLimit: "read", audit: reads },
  reassignConsumer: { permission: "consumer.reassign", rateLimit: "write", audit: changes },
};

function byFullName<S extends DescService>(service: S, policies: ServicePolicy<S>): [string, MethodPolicy][] {
  return service.methods.map((method: DescMethod) => [
    fullMethodName(method),
    (policies as Record<string, MethodPolicy>)[method.localName]!,
  ]);
}

/** `secrets.v1.SecretsService/CreateSecret`, as the pipeline names a call. */
export function fullMethodName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** Every served method's policy, by full method name. */
export const CALL_POLICIES: ReadonlyMap<string, MethodPolicy> = new Map([
  ...byFullName(SecretsService, SECRETS),
  ...byFullName(ResolverService, RESOLVER),
  ...byFullName(AdminService, ADMIN),
]);

/** The policy of a served method; a method outside the table is a programming error, refused loudly. */
export function policyOf(method: string): MethodPolicy {
  const policy = CALL_POLICIES.get(method);
  if (!policy) throw new Error(`no call policy for ${method}: add it to services/rpc/call-policy.ts`);
  return policy;
}

/** A stream rule's numbers, with flags read from the configuration. */
export function streamLimitsOf(rule: StreamRule, config: StreamLimitConfig): { maxOpenPerToken: number; maxNames?: number } {
  const value = (limit: StreamLimit) => ("fixed" in limit ? limit.fixed : config[limit.flag]);
  return { maxOpenPerToken: value(rule.maxOpenPerToken), ...(rule.maxNames && { maxNames: value(rule.maxNames) }) };
}

/**
 * The resource names an audit row keeps under a rule: at most its maxNames,
 * and for a denial only the first few. Whatever is dropped is counted in a
 * last entry `+N more` (never a valid name), so the row still says how many.
 */
export function auditedNames(rule: AuditRule, denied: boolean, names: readonly string[]): string[] {
  const kept = denied ? Math.min(DENIED_NAMES_KEPT, rule.maxNames) : rule.maxNames;
  if (names.length <= kept) return [...names];
  return [...names.slice(0, kept), `+${names.length - kept} more`];
}
