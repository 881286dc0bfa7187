/**
 * The rules of what workloads call, free of any transport: registering the
 * references a config holds (consumers, owned by the token that made them),
 * and resolving a batch of references to values in stages, each stage adding
 * its failures so that a failed batch names every failing reference.
 * `resolver-handlers.ts` maps the wire to this.
 */
import { MAX_FILTERED_VALUE_LENGTH, applyFiltersWithin } from "../../kernel/reference-filters.js";
import { checkSecretName, secretNameKey } from "../../kernel/names.js";
import { decodeSecretValue, selectField, type SecretValue } from "../../kernel/secret-values.js";
import type { FieldViolation } from "../../kernel/field-violation.js";
import { associatedData } from "../domain/associated-data.js";
import { consumerWriteRefusal, ownerAfterWrite } from "../domain/consumer-ownership.js";
import { throwIfInvalid } from "../domain/errors.js";
import type { ServiceCall } from "../domain/service-call.js";
import type { Cipher } from "../ports/cipher.js";
import type { ConsumerRecord, ConsumerStore } from "../ports/consumer-store.js";
import type { SecretRecord, SecretStore, SecretWithCiphertext } from "../ports/secret-store.js";
import type { SecretReadCache } from "../secrets/secret-read-cache.js";
import type { AccessTimes } from "./access-times.js";
import { consumerRefused, noteConsumerId, ownerKeptChanging } from "./consumer-rules.js";
import { ParsedReferences } from "./parsed-references.js";
import type { PlaintextCache } from "./plaintext-cache.js";
import { REASON_WORDS, ResponseBudget, parseBatch, referencesFailed, responseTooLarge, throwIfFailed } from "./reference-batch.js";

export interface ResolverServiceDependencies {
  /** Secrets and ciphertexts as resolves read them: from memory while the store's change feed reports no change. */
  reads: Pick<SecretReadCache, "getSecretsWithCiphertext" | "forget">;
  store: Pick<SecretStore, "getSecretsWithCiphertext"> & Pick<ConsumerStore, "getConsumer" | "setConsumerReferences" | "deleteConsumer">;
  cipher: Pick<Cipher, "decrypt">;
  /** Where a resolve notes the secrets it read, written without holding up the resolve. */
  accessTimes: Pick<AccessTimes, "note">;
  /** Values opened recently, skipping their decryption (plaintext-cache.ts); absent: every value is decrypted on every call. */
  plaintexts?: Pick<PlaintextCache, "mark" | "get" | "remember">;
  /** The largest message the service sends: a resolve's values stay under it. */
  maxResponseBytes: number;
}

/** One resolved reference. `kind` is JSON for a whole JSON value unfiltered, else STRING. */
export interface ResolvedValue {
  reference: string;
  secretName: string;
  version: number;
  kind: "JSON" | "STRING";
  value: string;
}

/**
 * Last access times are kept to this resolution: a resolve writes one only
 * when the stored one is older, so a busy secret costs no write per resolve.
 */
export const ACCESS_TIME_RESOLUTION_MS = 60_000;
/** A consumer write whose owner changed under it this many times in a row gives up (ABORTED). */
export const MAX_OWNER_RACES = 3;

export type ResolverService = ReturnType<typeof resolverService>;

export function resolverService(deps: ResolverServiceDependencies) {
  const { store, cipher, reads, plaintexts } = deps;
  const references = new ParsedReferences();

  /**
   * The secrets of these name keys by name key, and the values of the active
   * ones: one store read (or none, from memory) and one cipher call (none if
   * every value was opened recently), each secret decrypted once. A remembered
   * ciphertext that no longer opens (rewrapped by a key rotation, its key since
   * retired) is read again, once.
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
    const values = new Map<string, SecretValue>();
    const sealed: SecretWithCiphertext[] = [];
    for (const entry of found) {
      if (entry.secret.state === "ARCHIVED") continue;
      const remembered = plaintexts?.get(tenantId, entry);
      if (remembered) values.set(entry.secret.nameKey, remembered);
      else sealed.push(entry);
    }
    if (sealed.length > 0) {
      const mark = plaintexts?.mark() ?? 0;
      const opened = await cipher.decrypt(
        tenantId,
        sealed.map((e) => ({
          ciphertext: e.ciphertext,
          associatedData: associatedData({ tenantId, secretId: e.secret.id, nameKey: e.secret.nameKey, version: e.secret.version }),
        })),
      );
      sealed.forEach((entry, i) => {
        const plaintext = opened[i]!;
        values.set(entry.secret.nameKey, decodeSecretValue(entry.secret.type, plaintext));
        plaintexts?.remember(tenantId, entry, plaintext, mark);
        // Decoded (and copied, if remembered): the bytes need not outlive the call.
        plaintext.fill(0);
      });
    }
    return { found: new Map(found.map((e) => [e.secret.nameKey, e])), values };
  }

  /**
   * The consumer as it stands, if the caller may replace or delete it
   * (services/domain/consumer-ownership.ts); PERMISSION_DENIED naming its
   * owner otherwise, so that a squatted id is plain to see and to fix.
   */
  async function authorizeConsumerChange(call: ServiceCall, consumerId: string) {
    const record = await store.getConsumer(call.tenantId, consumerId);
    const existing = record && {
      ...(record.owner && { ownerTokenId: record.owner.tokenId }),
      referencedNameKeys: record.references.map((r) => r.nameKey),
    };
    const refusal = consumerWriteRefusal(call, consumerId, existing);
    if (refusal) throw consumerRefused(consumerId, call.tokenId, refusal);
    return { existing, expectedOwnerTokenId: record ? (record.owner?.tokenId ?? "") : null };
  }

  return {
    /** Replaces a consumer's references; every reference must parse, be granted and name a secret. */
    async setConsumerReferences(call: ServiceCall, consumerId: string, texts: readonly string[]): Promise<ConsumerRecord> {
      noteConsumerId(call, consumerId);
      // Indices in errors are the request's, so duplicates are dropped only after parsing.
      const { parsed, failures } = parseBatch(references, call, texts, "references");
      call.audit.resources = [...new Set(parsed.map((p) => p.reference.name))];
      throwIfFailed(failures);
      const unique = [...new Map(parsed.map((p) => [p.text, p])).values()];
      // The owner is checked again where the write commits: if it changed since it was read, decide afresh.
      for (let attempt = 1; ; attempt++) {
        const { existing, expectedOwnerTokenId } = await authorizeConsumerChange(call, consumerId);
        const owner = ownerAfterWrite(call, existing);
        const result = await store.setConsumerReferences(
          call.tenantId,
          consumerId,
          unique.map((p) => ({ reference: p.text, nameKey: p.reference.nameKey })),
          new Date(),
          owner === undefined ? undefined : { owner: { tokenId: owner }, expectedOwnerTokenId },
        );
        if (result.outcome === "OK") return result.consumer;
        if (result.outcome === "MISSING") {
          const missing = new Set(result.nameKeys);
          throw referencesFailed(
            parsed
              .filter((p) => missing.has(p.reference.nameKey))
              .map((p) => ({ index: p.index, reference: p.text, reason: "NOT_FOUND" as const, message: REASON_WORDS.NOT_FOUND })),
          );
        }
        if (attempt >= MAX_OWNER_RACES) throw ownerKeptChanging(consumerId);
      }
    },

    async deleteConsumer(call: ServiceCall, consumerId: string): Promise<void> {
      noteConsumerId(call, consumerId);
      // As for a replace: the delete happens only while the owner is the one the decision was made on.
      for (let attempt = 1; ; attempt++) {
        const { expectedOwnerTokenId } = await authorizeConsumerChange(call, consumerId);
        if (expectedOwnerTokenId === null) return;
        if (await store.deleteConsumer(call.tenantId, consumerId, expectedOwnerTokenId)) return;
        if (attempt >= MAX_OWNER_RACES) throw ownerKeptChanging(consumerId);
      }
    },

    /** Resolves a batch in one store read and one cipher call; all or nothing. `consumerId` may be empty. */
    async resolveSecrets(call: ServiceCall, consumerId: string, texts: readonly string[]): Promise<ResolvedValue[]> {
      if (consumerId !== "") noteConsumerId(call, consumerId);
      const { parsed, failures } = parseBatch(references, call, texts, "references");
      call.audit.resources = [...new Set(parsed.map((p) => p.reference.name))];

      // Every stage runs on what passed the one before and adds its failures,
      // so a failed batch reports every failing reference, not just the first kind.
      const tenantId = call.tenantId;
      const { found, values } = await readValues(tenantId, [...new Set(parsed.map((p) => p.reference.nameKey))]);
      const resolvable = parsed.filter((p) => {
        const entry = found.get(p.reference.nameKey);
        const reason = !entry ? "NOT_FOUND" : entry.secret.state === "ARCHIVED" ? "ARCHIVED" : undefined;
        if (reason) failures.push({ index: p.index, reference: p.text, reason, message: REASON_WORDS[reason] });
        return !reason;
      });
      const entries = [...new Set(resolvable.map((p) => p.reference.nameKey))].map((key) => found.get(key)!);
      const budget = new ResponseBudget(deps.maxResponseBytes);
      const resolved = resolvable.map((p): ResolvedValue | undefined => {
        const entry = found.get(p.reference.nameKey)!;
        const selected = selectField(values.get(p.reference.nameKey)!, p.reference.path);
        if (!selected)
          failures.push({ index: p.index, reference: p.text, reason: "FIELD_NOT_FOUND", message: REASON_WORDS.FIELD_NOT_FOUND });
        const value = selected && applyFiltersWithin(selected.value, p.reference.filters, MAX_FILTERED_VALUE_LENGTH);
        if (selected && value === undefined)
          throw responseTooLarge(p, `its filtered value would exceed ${MAX_FILTERED_VALUE_LENGTH} characters`);
        if (value !== undefined && !budget.take(value.length + p.text.length + entry.secret.name.length))
          throw responseTooLarge(p, `the response would exceed the message size limit of ${deps.maxResponseBytes} bytes`);
        return (
          selected && {
            reference: p.text,
            secretName: entry.secret.name,
            version: entry.secret.version,
            kind: selected.kind === "JSON" && p.reference.filters.length === 0 ? "JSON" : "STRING",
            value: value!,
          }
        );
      });
      throwIfFailed(failures);
      const now = new Date();
      const stale = entries.filter(
        ({ secret }) => !secret.lastAccessTime || now.getTime() - secret.lastAccessTime.getTime() >= ACCESS_TIME_RESOLUTION_MS,
      );
      if (stale.length > 0)
        void deps.accessTimes.note(
          tenantId,
          stale.map((e) => e.secret),
          now,
        );
      call.audit.resources = entries.map((e) => e.secret.name);
      if (entries.length === 1) call.audit.version = entries[0]!.secret.version;
      return resolved.map((r) => r!);
    },

    /** Checks the names a watch asks for (1 to `maxNames`), noting them for the audit; their name keys, deduplicated. */
    watchedNameKeys(call: ServiceCall, names: readonly string[], maxNames: number): string[] {
      const violations: FieldViolation[] = [];
      if (names.length === 0 || names.length > maxNames)
        violations.push({ field: "names", description: `watch 1 to ${maxNames} names`, reason: "INVALID_NAME_COUNT" });
      for (const [i, name] of names.entries()) checkSecretName(`names[${i}]`, name, violations);
      throwIfInvalid(violations);
      call.audit.resources = [...names];
      return [...new Set(names.map(secretNameKey))];
    },

    /**
     * The current record of each name key that names a secret, for a watch's
     * first message: from the read cache, so that many streams opening on the
     * same secrets do not each read the store.
     */
    async currentSecrets(call: ServiceCall, nameKeys: readonly string[]): Promise<Map<string, SecretRecord>> {
      const { found } = await reads.getSecretsWithCiphertext(call.tenantId, nameKeys);
      return new Map(found.map(({ secret }) => [secret.nameKey, secret]));
    },
  };
}
