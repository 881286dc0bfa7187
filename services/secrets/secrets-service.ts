/**
 * The rules of secrets, free of any transport: validation, sealing each value
 * to its record, check-and-set writes that retry around concurrent writers,
 * and deletes refused while a consumer references the secret. Write-only:
 * nothing here returns a value. `secrets-handlers.ts` maps the wire to this.
 */
import { assertNever } from "../../kernel/assert-never.js";
import type { FieldViolation } from "../../kernel/field-violation.js";
import { checkSecretName, secretNameKey } from "../../kernel/names.js";
import {
  decodeSecretValue,
  encodeSecretValue,
  parseSecretValue,
  type SecretType,
  type SecretValueInput,
} from "../../kernel/secret-values.js";
import { associatedData } from "../domain/associated-data.js";
import { ServiceError, invalidArgument, secretNotFound, throwIfInvalid } from "../domain/errors.js";
import { randomId } from "../domain/ids.js";
import { checkDescription, checkDisplayName, checkLabels } from "../domain/secret-metadata.js";
import type { ServiceCall } from "../domain/service-call.js";
import type { Cipher } from "../ports/cipher.js";
import { StaleKeyVersionError } from "../ports/rewrap-store.js";
import type { ConsumerStore } from "../ports/consumer-store.js";
import type { NewSecretVersion, SecretRecord, SecretState, SecretStore, WriteResult } from "../ports/secret-store.js";
import { secretListings } from "./secret-listings.js";
import { etagMismatch, keptValueParts, parseEtag, tooMuchContention, updateMaskPaths } from "./secret-requests.js";

export interface SecretsServiceDependencies {
  /**
   * Secret records as GetSecret reads them: from memory while the store's
   * change feed reports no change. Told of this service's own writes at once.
   * Absent: every read goes to the store.
   */
  reads?: Pick<SecretStore, "getSecret"> & { forget(tenantId: string, nameKey: string): void };
  store: Omit<SecretStore, "getSecretsWithCiphertext" | "recordSecretAccess"> & Pick<ConsumerStore, "listSecretConsumers">;
  cipher: Pick<Cipher, "encrypt" | "decrypt">;
  /** How many versions keep their ciphertext (older ones keep only metadata). */
  keepVersions: number;
}

export interface NewSecretInput {
  name: string;
  displayName: string;
  description: string;
  labels: Record<string, string>;
  /** Undefined when the request named no known type. */
  type: SecretType | undefined;
  value: SecretValueInput;
}

export interface MetadataPatchInput {
  displayName: string;
  description: string;
  labels: Record<string, string>;
}

/** Check-and-set writes retry this often when another writer got there first. */
export const MAX_WRITE_ATTEMPTS = 20;
/** What sealedWrite returns when the value must be sealed again. */
const RESEAL = Symbol("reseal");
/** Consumers named in a delete refusal. */
const MAX_BLOCKING_CONSUMERS_NAMED = 100;

export type SecretsService = ReturnType<typeof secretsService>;

export function secretsService(deps: SecretsServiceDependencies) {
  const { store, cipher } = deps;

  /** A retained version's plaintext, for the service's own use (rollback, a partial update); never returned. */
  async function decryptVersion(call: ServiceCall, current: SecretRecord, version: number): Promise<Uint8Array> {
    const tenantId = call.tenantId;
    const stored = await store.getSecretVersion(tenantId, current.id, version);
    if (!stored) throw new ServiceError(`secret "${current.name}" has no version ${version}`, { reason: "VERSION_NOT_FOUND" });
    if (!stored.ciphertext)
      throw new ServiceError(`the value of version ${version} of secret "${current.name}" has left the bounded history (--keep-versions)`, {
        reason: "VERSION_NOT_RETAINED",
      });
    const [plaintext] = await cipher.decrypt(tenantId, [
      {
        ciphertext: stored.ciphertext.ciphertext,
        associatedData: associatedData({ tenantId, secretId: current.id, nameKey: current.nameKey, version }),
      },
    ]);
    return plaintext!;
  }

  /** The named secret, from the store (or from `from`), or NOT_FOUND. */
  async function findSecret(call: ServiceCall, name: string, from: Pick<SecretStore, "getSecret"> = store): Promise<SecretRecord> {
    const violations: FieldViolation[] = [];
    checkSecretName("name", name, violations);
    throwIfInvalid(violations);
    call.audit.resources = [name];
    const secret = await from.getSecret(call.tenantId, secretNameKey(name));
    if (!secret) throw secretNotFound(name);
    call.audit.resources = [secret.name];
    return secret;
  }

  async function seal(tenantId: string, secret: { id: string; nameKey: string }, version: number, plaintext: Uint8Array) {
    const [sealed] = await cipher.encrypt(tenantId, [
      { plaintext, associatedData: associatedData({ tenantId, secretId: secret.id, nameKey: secret.nameKey, version }) },
    ]);
    return sealed!;
  }

  /**
   * Runs a write of a freshly sealed value; RESEAL when the store refused it
   * because a key rotation began after the value was sealed: the caller seals
   * again (with the newest key version) and retries.
   */
  async function sealedWrite<T>(write: () => Promise<T>): Promise<T | typeof RESEAL> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof StaleKeyVersionError) return RESEAL;
      throw error;
    }
  }

  /**
   * Settles with `write`, forgetting the secret's remembered reads once it has settled, whatever the outcome:
   * a store may show a write to reads before it commits, and a failed commit undoes what they saw.
   */
  function forgettingAfter<T>(tenantId: string, nameKey: string, write: Promise<T>): Promise<T> {
    return write.finally(() => deps.reads?.forget(tenantId, nameKey));
  }

  /**
   * Runs a revision-guarded write. With an etag from the client a conflict is
   * ABORTED; without one, the write is re-checked against the fresh record and
   * retried, so concurrent writers never lose each other's changes.
   */
  async function writeWithRevision(
    call: ServiceCall,
    name: string,
    etag: string,
    write: (current: SecretRecord, expectedRevision: number) => Promise<WriteResult<SecretRecord>>,
  ): Promise<SecretRecord> {
    const clientRevision = parseEtag(etag);
    let current = await findSecret(call, name);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (clientRevision !== undefined && clientRevision !== current.revision) throw etagMismatch(current);
      const result = await forgettingAfter(call.tenantId, current.nameKey, write(current, current.revision));
      if (result.outcome === "OK") return result.value;
      if (result.outcome === "NOT_FOUND") throw secretNotFound(name);
      current = result.current;
    }
    throw tooMuchContention(name);
  }

  /**
   * Stores `plaintext` as the next version. Without an expected version, a
   * concurrent writer's version is respected and this one goes after it, so
   * no update is ever lost; with one, a mismatch is ABORTED.
   */
  async function storeNewVersion(
    call: ServiceCall,
    secret: SecretRecord,
    plaintext: Uint8Array,
    expectedVersion: bigint | undefined,
  ): Promise<SecretRecord> {
    const tenantId = call.tenantId;
    let current = secret;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (current.state === "ARCHIVED")
        throw new ServiceError(`secret "${current.name}" is archived; restore it first`, {
          reason: "SECRET_ARCHIVED",
        });
      if (expectedVersion !== undefined && expectedVersion !== BigInt(current.version))
        throw new ServiceError(`secret "${current.name}" is at version ${current.version}, not the expected ${expectedVersion}`, {
          reason: "VERSION_MISMATCH",
          metadata: { current_version: String(current.version) },
        });
      const version = current.version + 1;
      // The version number is part of the associated data, so each attempt seals afresh.
      const sealed = await seal(tenantId, current, version, plaintext);
      const stored = auditedVersion(call, { version, createTime: new Date(), createdBy: call.tokenId, ...sealed });
      const result = await forgettingAfter(
        tenantId,
        current.nameKey,
        sealedWrite(() => store.addSecretVersion(tenantId, current.id, stored, deps.keepVersions)),
      );
      if (result === RESEAL) continue;
      if (result.outcome === "OK") {
        noteStoredVersion(call, stored.version);
        return result.value;
      }
      if (result.outcome === "NOT_FOUND") throw secretNotFound(secret.name);
      current = result.current;
    }
    throw tooMuchContention(secret.name);
  }

  return {
    findSecret,
    ...secretListings(store, findSecret),

    /** GetSecret: the named secret, from memory while nothing changed it. */
    readSecret(call: ServiceCall, name: string): Promise<SecretRecord> {
      return findSecret(call, name, deps.reads ?? store);
    },

    async createSecret(call: ServiceCall, input: NewSecretInput): Promise<SecretRecord> {
      call.audit.resources = [input.name];
      const violations: FieldViolation[] = [];
      checkSecretName("name", input.name, violations);
      checkDisplayName("display_name", input.displayName, violations);
      checkDescription("description", input.description, violations);
      checkLabels("labels", input.labels, violations);
      const type = input.type;
      if (!type) violations.push({ field: "type", description: "type must be TOKEN, USERNAME_PASSWORD or JSON", reason: "TYPE_REQUIRED" });
      const value = type && parseSecretValue(type, input.value, "value", violations);
      throwIfInvalid(violations);

      const tenantId = call.tenantId;
      const id = randomId("sec");
      const now = new Date();
      const nameKey = secretNameKey(input.name);
      const record = {
        tenantId,
        id,
        name: input.name,
        nameKey,
        displayName: input.displayName,
        description: input.description,
        labels: input.labels,
        type: type!,
        createTime: now,
      };
      let created: SecretRecord | undefined | typeof RESEAL = RESEAL;
      for (let attempt = 0; created === RESEAL && attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const sealed = await seal(tenantId, { id, nameKey }, 1, encodeSecretValue(value!));
        const firstVersion = auditedVersion(call, { version: 1, createTime: now, createdBy: call.tokenId, ...sealed });
        created = await forgettingAfter(
          tenantId,
          nameKey,
          sealedWrite(() => store.createSecret(record, firstVersion)),
        );
      }
      if (created === RESEAL) throw tooMuchContention(input.name);
      if (!created)
        throw new ServiceError(`a secret named "${input.name}" already exists (names are case-insensitive; archived secrets keep theirs)`, {
          reason: "SECRET_EXISTS",
          metadata: { name: input.name },
        });
      noteStoredVersion(call, 1);
      return created;
    },

    /** A new value; an update_mask naming one part of a username-password value keeps the other as stored. */
    async updateSecretValue(
      call: ServiceCall,
      name: string,
      value: SecretValueInput,
      maskPaths: readonly string[],
      expectedVersion: bigint | undefined,
    ): Promise<SecretRecord> {
      const current = await findSecret(call, name);
      const kept = keptValueParts(current.type, maskPaths);
      let input = value;
      if (kept.length > 0 && input.kind === "usernamePassword") {
        const stored = decodeSecretValue(current.type, await decryptVersion(call, current, current.version));
        if (stored.type === "USERNAME_PASSWORD") for (const part of kept) input = { ...input, [part]: stored[part] };
      }
      const violations: FieldViolation[] = [];
      const parsed = parseSecretValue(current.type, input, "value", violations);
      throwIfInvalid(violations);
      return storeNewVersion(call, current, encodeSecretValue(parsed!), expectedVersion);
    },

    /** An earlier retained value becomes current again, as a new version. */
    async rollbackSecret(call: ServiceCall, name: string, version: bigint, expectedVersion: bigint | undefined): Promise<SecretRecord> {
      const current = await findSecret(call, name);
      if (version < 1n || version >= BigInt(current.version))
        throw invalidArgument([
          {
            field: "version",
            description:
              current.version === 1
                ? `secret "${current.name}" has only version 1: update its value first, then roll back to version 1`
                : `version must be an earlier version of the secret (1 to ${current.version - 1})`,
            reason: "NOT_AN_EARLIER_VERSION",
          },
        ]);
      const plaintext = await decryptVersion(call, current, Number(version));
      return storeNewVersion(call, current, plaintext, expectedVersion);
    },

    async updateSecretMetadata(
      call: ServiceCall,
      name: string,
      etag: string,
      maskPaths: readonly string[],
      fields: MetadataPatchInput,
    ): Promise<SecretRecord> {
      const paths = updateMaskPaths(maskPaths);
      const violations: FieldViolation[] = [];
      if (paths.has("display_name")) checkDisplayName("display_name", fields.displayName, violations);
      if (paths.has("description")) checkDescription("description", fields.description, violations);
      if (paths.has("labels")) checkLabels("labels", fields.labels, violations);
      throwIfInvalid(violations);
      const patch = {
        ...(paths.has("display_name") && { displayName: fields.displayName }),
        ...(paths.has("description") && { description: fields.description }),
        ...(paths.has("labels") && { labels: fields.labels }),
      };
      return writeWithRevision(call, name, etag, (current, expectedRevision) =>
        store.updateSecretMetadata(call.tenantId, current.id, expectedRevision, patch, new Date()),
      );
    },

    /** Archives (ARCHIVED) or restores (ACTIVE); asking for the state a secret is in is FAILED_PRECONDITION. */
    setSecretState(call: ServiceCall, name: string, etag: string, state: SecretState): Promise<SecretRecord> {
      return writeWithRevision(call, name, etag, async (current, expectedRevision) => {
        if (current.state === state)
          throw new ServiceError(`secret "${current.name}" is already ${state.toLowerCase()}`, {
            reason: state === "ARCHIVED" ? "SECRET_ARCHIVED" : "SECRET_NOT_ARCHIVED",
          });
        return store.setSecretState(call.tenantId, current.id, expectedRevision, state, new Date());
      });
    },

    /** Deletes for good, refused (naming the consumers) while any consumer references the secret. */
    async deleteSecret(call: ServiceCall, name: string, etag: string): Promise<void> {
      const clientRevision = parseEtag(etag);
      const secret = await findSecret(call, name);
      const result = await forgettingAfter(call.tenantId, secret.nameKey, store.deleteSecret(call.tenantId, secret.id, clientRevision));
      switch (result.outcome) {
        case "DELETED":
          call.audit.version = result.secret.version;
          return;
        case "NOT_FOUND":
          throw secretNotFound(name);
        case "CONFLICT":
          throw etagMismatch(result.current);
        case "IN_USE": {
          const named = result.consumerIds.slice(0, MAX_BLOCKING_CONSUMERS_NAMED);
          const more = result.usageCount - named.length;
          throw new ServiceError(
            `secret "${secret.name}" is referenced by ${result.usageCount} consumer(s): ${named.join(", ")}` +
              (more > 0 ? ` and ${more} more` : "") +
              "; remove the references first",
            {
              reason: "SECRET_IN_USE",
              metadata: { usage_count: String(result.usageCount) },
              preconditionViolations: named.map((id) => ({
                type: "CONSUMER",
                subject: id,
                description: `consumer "${id}" references secret "${secret.name}"`,
              })),
            },
          );
        }
        default:
          return assertNever(result, "delete outcome");
      }
    },
  };
}

/** The version with the call's success record attached, so that the store commits both together. */
function auditedVersion(call: ServiceCall, version: NewSecretVersion): NewSecretVersion {
  const auditEvent = call.auditEventOnSuccess?.({ version: version.version });
  return auditEvent ? { ...version, auditEvent } : version;
}

/** The version is stored: the audit note says which, and that its record went with it (auditedVersion attached one). */
function noteStoredVersion(call: ServiceCall, version: number): void {
  call.audit.version = version;
  if (call.auditEventOnSuccess) call.audit.recordedWithChange = true;
}
