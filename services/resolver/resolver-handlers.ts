/**
 * ResolverService: what workloads (the sidecar) call. Registers which secrets
 * a config references, resolves references to values in one batch, and
 * streams changes to watched secrets.
 */
import type { FieldViolation } from "../../kernel/field-violation.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ValueKind,
  WatchEventType,
  type ResolverService,
  type WatchSecretsResponseSchema,
} from "../../gen/secrets/v1/resolver_service_pb.js";
import { associatedData } from "../domain/associated-data.js";
import {
  ServiceError,
  invalidArgument,
  permissionDenied,
  throwIfInvalid,
  type ReferenceFailure,
} from "../domain/errors.js";
import { REFERENCE_FAILURE_REASONS as REASON_WORDS } from "../../kernel/error-reasons.js";
import { checkConsumerId, checkSecretName, secretNameKey } from "../../kernel/names.js";
import { consumerWriteRefusal, ownerAfterWrite, type ConsumerRefusal } from "../domain/consumer-ownership.js";
import { callerMayAccessSecret } from "../domain/permissions.js";
import { MAX_FILTERED_VALUE_LENGTH, applyFiltersWithin } from "../../kernel/reference-filters.js";
import type { Reference } from "../../kernel/references.js";
import { decodeSecretValue, selectField } from "../../kernel/secret-values.js";
import type { Cipher } from "../ports/cipher.js";
import type { ConsumerStore } from "../ports/consumer-store.js";
import type { SecretStore, SecretWithCiphertext } from "../ports/secret-store.js";
import type { SecretReadCache } from "../secrets/secret-read-cache.js";
import { authorizeSecretNames, type CallContext } from "../rpc/call-context.js";
import { MAX_REFERENCES_PER_CALL } from "../rpc/call-policy.js";
import type { ServiceHandlers } from "../rpc/handlers.js";
import { consumerMessage, secretChangeMessage, secretStateToProto } from "../secrets/secret-messages.js";
import { ParsedReferences } from "./parsed-references.js";
import { followChanges, resolveChangesOnly, type WatchHub } from "./watch-hub.js";

export interface ResolverDependencies {
  /** Secrets and ciphertexts as resolves read them: from memory while the store's change feed reports no change. */
  reads: Pick<SecretReadCache, "getSecretsWithCiphertext" | "forget">;
  store: Pick<SecretStore, "getSecretsWithCiphertext" | "recordSecretAccess"> &
    Pick<ConsumerStore, "getConsumer" | "setConsumerReferences" | "deleteConsumer">;
  cipher: Cipher;
  watchHub: WatchHub;
  /** Aborted when the server shuts down: watch streams then end cleanly. */
  shutdown: AbortSignal;
  /** The largest message the service sends: a ResolveSecrets response stays under it. */
  maxResponseBytes: number;
}

/**
 * Last access times are kept to this resolution: a resolve writes one only
 * when the stored one is older, so a busy secret costs no write per resolve.
 */
export const ACCESS_TIME_RESOLUTION_MS = 60_000;
/** A consumer write whose owner changed under it this many times in a row gives up (ABORTED). */
const MAX_OWNER_RACES = 3;
interface ParsedReference {
  index: number;
  text: string;
  reference: Reference;
}

export function resolverHandlers(deps: ResolverDependencies): ServiceHandlers<typeof ResolverService> {
  const { store, cipher, reads } = deps;
  const references = new ParsedReferences();

  /**
   * The secrets of these name keys by name key, and the values of the active
   * ones: one store read (or none, from memory) and one cipher call, each
   * secret decrypted once. A remembered ciphertext that no longer opens
   * (rewrapped by a key rotation, its key since retired) is read again, once.
   */
  async function readValues(tenantId: string, nameKeys: readonly string[]) {
    const read = await reads.getSecretsWithCiphertext(tenantId, nameKeys);
    try {
      return await openValues(tenantId, read.found);
    } catch (error) {
      if (!read.remembered) throw error;
      for (const nameKey of nameKeys) reads.forget(tenantId, nameKey);
      return openValues(tenantId, (await reads.getSecretsWithCiphertext(tenantId, nameKeys)).found);
    }
  }

  async function openValues(tenantId: string, found: readonly SecretWithCiphertext[]) {
    const active = found.filter((e) => e.secret.state !== "ARCHIVED");
    const plaintexts = await cipher.decrypt(
      tenantId,
      active.map((e) => ({
        ciphertext: e.ciphertext,
        associatedData: associatedData({ tenantId, secretId: e.secret.id, nameKey: e.secret.nameKey, version: e.secret.version }),
      })),
    );
    return {
      found: new Map(found.map((e) => [e.secret.nameKey, e])),
      values: new Map(active.map((e, i) => [e.secret.nameKey, decodeSecretValue(e.secret.type, plaintexts[i]!)])),
    };
  }

  /** Parses and grant-checks a batch; every failure is collected, none stops the others. */
  function parseBatch(ctx: CallContext, texts: readonly string[], field: string) {
    if (texts.length > MAX_REFERENCES_PER_CALL)
      throw invalidArgument([
        { field, description: `at most ${MAX_REFERENCES_PER_CALL} references per call`, reason: "TOO_MANY_REFERENCES" },
      ]);
    const parsed: ParsedReference[] = [];
    const failures: ReferenceFailure[] = [];
    texts.forEach((text, index) => {
      const result = references.parse(text);
      if (!("nameKey" in result)) failures.push({ index, reference: text, reason: "MALFORMED", message: result.message });
      else if (!callerMayAccessSecret(ctx.caller, result.name))
        failures.push({ index, reference: text, reason: "NOT_GRANTED", message: REASON_WORDS.NOT_GRANTED });
      else parsed.push({ index, text, reference: result });
    });
    return { parsed, failures };
  }

  /**
   * The consumer as it stands, if the caller may replace or delete it
   * (services/domain/consumer-ownership.ts); PERMISSION_DENIED naming its
   * owner otherwise, so that a squatted id is plain to see and to fix.
   */
  async function authorizeConsumerChange(ctx: CallContext, consumerId: string) {
    const record = await store.getConsumer(ctx.caller.tenantId, consumerId);
    const existing = record && {
      ...(record.owner && { ownerTokenId: record.owner.tokenId }),
      referencedNameKeys: record.references.map((r) => r.nameKey),
    };
    const refusal = consumerWriteRefusal(ctx.caller, consumerId, existing);
    if (refusal) throw consumerRefused(consumerId, ctx.caller.tokenId, refusal);
    return { existing, expectedOwnerTokenId: record ? (record.owner?.tokenId ?? "") : null };
  }

  return {
    async setConsumerReferences(request, ctx) {
      noteConsumerId(ctx, request.consumerId);
      // Indices in errors are the request's, so duplicates are dropped only after parsing.
      const { parsed, failures } = parseBatch(ctx, request.references, "references");
      ctx.audit.resources = [...new Set(parsed.map((p) => p.reference.name))];
      throwIfFailed(failures);
      const unique = [...new Map(parsed.map((p) => [p.text, p])).values()];
      // The owner is checked again where the write commits: if it changed since it was read, decide afresh.
      for (let attempt = 1; ; attempt++) {
        const { existing, expectedOwnerTokenId } = await authorizeConsumerChange(ctx, request.consumerId);
        const owner = ownerAfterWrite(ctx.caller, existing);
        const result = await store.setConsumerReferences(
          ctx.caller.tenantId,
          request.consumerId,
          unique.map((p) => ({ reference: p.text, nameKey: p.reference.nameKey })),
          new Date(),
          owner === undefined ? undefined : { owner: { tokenId: owner }, expectedOwnerTokenId },
        );
        if (result.outcome === "OK") return { consumer: consumerMessage(result.consumer) };
        if (result.outcome === "MISSING") {
          const missing = new Set(result.nameKeys);
          throw referencesFailed(
            parsed
              .filter((p) => missing.has(p.reference.nameKey))
              .map((p) => ({ index: p.index, reference: p.text, reason: "NOT_FOUND" as const, message: REASON_WORDS.NOT_FOUND })),
          );
        }
        if (attempt >= MAX_OWNER_RACES)
          throw new ServiceError(`consumer "${request.consumerId}" kept changing owner meanwhile; retry`, {
            reason: "CONSUMER_OWNER_CHANGED",
          });
      }
    },

    async deleteConsumer(request, ctx) {
      noteConsumerId(ctx, request.consumerId);
      await authorizeConsumerChange(ctx, request.consumerId);
      await store.deleteConsumer(ctx.caller.tenantId, request.consumerId);
      return {};
    },

    async resolveSecrets(request, ctx) {
      if (request.consumerId !== "") noteConsumerId(ctx, request.consumerId);
      const { parsed, failures } = parseBatch(ctx, request.references, "references");
      ctx.audit.resources = [...new Set(parsed.map((p) => p.reference.name))];

      // Every stage runs on what passed the one before and adds its failures,
      // so a failed batch reports every failing reference, not just the first kind.
      const tenantId = ctx.caller.tenantId;
      const { found, values } = await readValues(tenantId, [...new Set(parsed.map((p) => p.reference.nameKey))]);
      const resolvable = parsed.filter((p) => {
        const entry = found.get(p.reference.nameKey);
        const reason = !entry ? "NOT_FOUND" : entry.secret.state === "ARCHIVED" ? "ARCHIVED" : undefined;
        if (reason) failures.push({ index: p.index, reference: p.text, reason, message: REASON_WORDS[reason] });
        return !reason;
      });
      const entries = [...new Set(resolvable.map((p) => p.reference.nameKey))].map((key) => found.get(key)!);
      const budget = new ResponseBudget(deps.maxResponseBytes);
      const resolved = resolvable.map((p) => {
        const entry = found.get(p.reference.nameKey)!;
        const selected = selectField(values.get(p.reference.nameKey)!, p.reference.path);
        if (!selected)
          failures.push({ index: p.index, reference: p.text, reason: "FIELD_NOT_FOUND", message: REASON_WORDS.FIELD_NOT_FOUND });
        const value = selected && applyFiltersWithin(selected.value, p.reference.filters, MAX_FILTERED_VALUE_LENGTH);
        if (selected && value === undefined)
          throw responseTooLarge(p, `its filtered value would exceed ${MAX_FILTERED_VALUE_LENGTH} characters`);
        if (value !== undefined && !budget.take(value.length + p.text.length + entry.secret.name.length))
          throw responseTooLarge(p, `the response would exceed the message size limit of ${deps.maxResponseBytes} bytes`);
        return selected && {
          reference: p.text,
          secretName: entry.secret.name,
          version: BigInt(entry.secret.version),
          kind: selected.kind === "JSON" && p.reference.filters.length === 0 ? ValueKind.JSON : ValueKind.STRING,
          value: value!,
        };
      });
      throwIfFailed(failures);
      const now = new Date();
      const stale = entries.filter(
        ({ secret }) => !secret.lastAccessTime || now.getTime() - secret.lastAccessTime.getTime() >= ACCESS_TIME_RESOLUTION_MS,
      );
      if (stale.length > 0) {
        await store.recordSecretAccess(tenantId, stale.map((e) => e.secret.id), now);
        for (const { secret } of stale) reads.forget(tenantId, secret.nameKey);
      }
      ctx.audit.resources = entries.map((e) => e.secret.name);
      if (entries.length === 1) ctx.audit.version = entries[0]!.secret.version;
      return { values: resolved.map((r) => r!) };
    },

    async *watchSecrets(request, ctx) {
      const violations: FieldViolation[] = [];
      const maxNames = ctx.streamLimits?.maxNames ?? MAX_REFERENCES_PER_CALL;
      if (request.names.length === 0 || request.names.length > maxNames)
        violations.push({ field: "names", description: `watch 1 to ${maxNames} names`, reason: "INVALID_NAME_COUNT" });
      for (const [i, name] of request.names.entries()) checkSecretName(`names[${i}]`, name, violations);
      throwIfInvalid(violations);
      ctx.audit.resources = [...request.names];
      authorizeSecretNames(ctx, request.names);

      const tenantId = ctx.caller.tenantId;
      const nameKeys = [...new Set(request.names.map(secretNameKey))];
      yield* followChanges<MessageInitShape<typeof WatchSecretsResponseSchema>>(
        (listener) => deps.watchHub.subscribe(tenantId, nameKeys, resolveChangesOnly(listener)),
        [ctx.signal, deps.shutdown],
        async () => {
          const current = new Map(
            (await store.getSecretsWithCiphertext(tenantId, nameKeys)).map(({ secret }) => [secret.nameKey, secret]),
          );
          return {
            type: WatchEventType.SUBSCRIBED,
            time: timestampFromDate(new Date()),
            snapshot: nameKeys.map((key) => {
              const secret = current.get(key);
              return secret
                ? { name: secret.name, version: BigInt(secret.version), state: secretStateToProto(secret.state) }
                : { name: request.names.find((n) => secretNameKey(n) === key)!, version: 0n };
            }),
          };
        },
        secretChangeMessage,
      );
    },
  };
}

/** PERMISSION_DENIED for a consumer the caller may not change: whose it is, and what an admin can do. */
function consumerRefused(consumerId: string, callerTokenId: string, refusal: ConsumerRefusal): ServiceError {
  const adminCan =
    `an admin can give it to this token (secretsctl consumer reassign ${consumerId} --to-token ${callerTokenId}) ` +
    `or delete it (secretsctl consumer delete ${consumerId})`;
  switch (refusal.reason) {
    case "CONSUMER_ID_NOT_ALLOWED":
      return permissionDenied(
        `register consumer "${consumerId}": this token's consumer patterns do not cover that id ` +
          "(an admin sets them with secretsctl tokens create --consumers PATTERN)",
        { reason: refusal.reason, metadata: { consumer_id: consumerId } },
      );
    case "CONSUMER_OWNED":
      return permissionDenied(
        `change consumer "${consumerId}": it belongs to API token ${refusal.ownerTokenId}, and this token may not take it ` +
          `over (that needs consumer patterns covering the id and a grant covering every secret it references); ${adminCan}`,
        { reason: refusal.reason, metadata: { consumer_id: consumerId, owner_token_id: refusal.ownerTokenId } },
      );
    case "CONSUMER_REFERENCES_NOT_GRANTED":
      return permissionDenied(
        `change consumer "${consumerId}": it holds references outside this token's granted names; ${adminCan}`,
        { reason: refusal.reason, metadata: { consumer_id: consumerId } },
      );
  }
}

/** Checks a consumer id and records it for the audit. */
function noteConsumerId(ctx: CallContext, consumerId: string): void {
  const violations: FieldViolation[] = [];
  checkConsumerId("consumer_id", consumerId, violations);
  throwIfInvalid(violations);
  ctx.audit.consumerId = consumerId;
}

/** Bytes left for a response's values (with a little for each value's framing). */
class ResponseBudget {
  constructor(private left: number) {}

  take(bytes: number): boolean {
    this.left -= bytes + 32;
    return this.left >= 0;
  }
}

/** RESOURCE_EXHAUSTED naming the reference (never its value) that took the response over a bound. */
function responseTooLarge(p: ParsedReference, why: string): ServiceError {
  return new ServiceError(`reference #${p.index} ${p.text}: ${why}`, {
    reason: "RESPONSE_TOO_LARGE",
    metadata: { reference_index: String(p.index) },
  });
}

/** Throws the batch's error, naming every failing reference, if there is any. */
function throwIfFailed(failures: ReferenceFailure[]): void {
  if (failures.length > 0) throw referencesFailed(failures);
}

/** The error of a failed batch: every failing reference in the details (rpc/ picks the status of the most fundamental). */
function referencesFailed(failures: ReferenceFailure[]): ServiceError {
  failures.sort((a, b) => a.index - b.index);
  const listed = failures
    .slice(0, 10)
    .map((f) => `${f.reference} (${f.reason === "MALFORMED" ? f.message : REASON_WORDS[f.reason]})`)
    .join("; ");
  const more = failures.length > 10 ? `; and ${failures.length - 10} more` : "";
  return new ServiceError(`${failures.length} reference(s) failed: ${listed}${more}`, {
    reason: "REFERENCES_FAILED",
    referenceFailures: failures,
  });
}
