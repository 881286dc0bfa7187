/**
 * SecretsService: create, read, list, version, archive, restore and delete
 * secrets. Write-only: nothing here returns a value.
 */
import { secretTypeFromProto } from "../../kernel/secret-type-wire.js";
import type { FieldViolation } from "../../kernel/field-violation.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SecretsService, WatchSecretChangesResponseSchema } from "../../gen/secrets/v1/secrets_service_pb.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import { associatedData } from "../domain/associated-data.js";
import {
  ServiceError,
  invalidArgument,
  secretNotFound,
  throwIfInvalid,
} from "../domain/errors.js";
import { randomId } from "../domain/ids.js";
import { checkSecretName, secretNameKey } from "../../kernel/names.js";
import { encodePageToken, requestedPage } from "../domain/pagination.js";
import { checkDescription, checkDisplayName, checkLabels } from "../domain/secret-metadata.js";
import { decodeSecretValue, encodeSecretValue, parseSecretValue, type SecretType } from "../../kernel/secret-values.js";
import type { Cipher } from "../ports/cipher.js";
import type { ConsumerStore } from "../ports/consumer-store.js";
import type { SecretRecord, SecretState, SecretStore, WriteResult } from "../ports/secret-store.js";
import type { CallContext } from "../rpc/call-context.js";
import type { ServiceHandlers } from "../rpc/handlers.js";
import { followChanges, type WatchHub } from "../resolver/watch-hub.js";
import {
  consumerMessage,
  secretChangeMessage,
  secretMessage,
  secretValueInput,
  secretVersionMessage,
} from "./secret-messages.js";

export interface SecretsDependencies {
  store: Omit<SecretStore, "getSecretsWithCiphertext" | "recordSecretAccess"> & Pick<ConsumerStore, "listSecretConsumers">;
  cipher: Cipher;
  /** How many versions keep their ciphertext (older ones keep only metadata). */
  keepVersions: number;
  watchHub: WatchHub;
  /** Aborted at shutdown, ending watch streams. */
  shutdown: AbortSignal;
}

/** Check-and-set writes retry this often when another writer got there first. */
const MAX_WRITE_ATTEMPTS = 20;
/** Consumers named in a delete refusal. */
const MAX_BLOCKING_CONSUMERS_NAMED = 100;

export function secretsHandlers(deps: SecretsDependencies): ServiceHandlers<typeof SecretsService> {
  const { store, cipher } = deps;

  /** A retained version's plaintext, for the service's own use (rollback, a partial update); never returned. */
  async function decryptVersion(ctx: CallContext, current: SecretRecord, version: number): Promise<Uint8Array> {
    const tenantId = ctx.caller.tenantId;
    const stored = await store.getSecretVersion(tenantId, current.id, version);
    if (!stored)
      throw new ServiceError("NOT_FOUND", `secret "${current.name}" has no version ${version}`, { reason: "VERSION_NOT_FOUND" });
    if (!stored.ciphertext)
      throw new ServiceError(
        "FAILED_PRECONDITION",
        `the value of version ${version} of secret "${current.name}" has left the bounded history (--keep-versions)`,
        { reason: "VERSION_NOT_RETAINED" },
      );
    const [plaintext] = await cipher.decrypt(tenantId, [
      { ciphertext: stored.ciphertext.ciphertext, associatedData: associatedData({ tenantId, secretId: current.id, nameKey: current.nameKey, version }) },
    ]);
    return plaintext!;
  }

  async function findSecret(ctx: CallContext, name: string): Promise<SecretRecord> {
    const violations: FieldViolation[] = [];
    checkSecretName("name", name, violations);
    throwIfInvalid(violations);
    ctx.audit.resources = [name];
    const secret = await store.getSecret(ctx.caller.tenantId, secretNameKey(name));
    if (!secret) throw secretNotFound(name);
    ctx.audit.resources = [secret.name];
    return secret;
  }

  async function seal(tenantId: string, secret: { id: string; nameKey: string }, version: number, plaintext: Uint8Array) {
    const [sealed] = await cipher.encrypt(tenantId, [
      { plaintext, associatedData: associatedData({ tenantId, secretId: secret.id, nameKey: secret.nameKey, version }) },
    ]);
    return sealed!;
  }

  /**
   * Runs a revision-guarded write. With an etag from the client a conflict is
   * ABORTED; without one, the write is re-checked against the fresh record and
   * retried, so concurrent writers never lose each other's changes.
   */
  async function writeWithRevision(
    ctx: CallContext,
    name: string,
    etag: string,
    write: (current: SecretRecord, expectedRevision: number) => Promise<WriteResult<SecretRecord>>,
  ): Promise<SecretRecord> {
    const clientRevision = parseEtag(etag);
    let current = await findSecret(ctx, name);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (clientRevision !== undefined && clientRevision !== current.revision) throw etagMismatch(current);
      const result = await write(current, current.revision);
      if (result.outcome === "OK") return result.value;
      if (result.outcome === "NOT_FOUND") throw secretNotFound(name);
      current = result.current;
    }
    throw tooMuchContention(name);
  }

  function setState(ctx: CallContext, name: string, etag: string, state: SecretState) {
    return writeWithRevision(ctx, name, etag, async (current, expectedRevision) => {
      if (current.state === state)
        throw new ServiceError("FAILED_PRECONDITION", `secret "${current.name}" is already ${state.toLowerCase()}`, {
          reason: state === "ARCHIVED" ? "SECRET_ARCHIVED" : "SECRET_NOT_ARCHIVED",
        });
      return store.setSecretState(ctx.caller.tenantId, current.id, expectedRevision, state, new Date());
    });
  }

  /**
   * Stores `plaintext` as the next version. Without an expected version, a
   * concurrent writer's version is respected and this one goes after it, so
   * no update is ever lost; with one, a mismatch is ABORTED.
   */
  async function storeNewVersion(
    ctx: CallContext,
    secret: SecretRecord,
    plaintext: Uint8Array,
    expectedVersion: bigint | undefined,
  ): Promise<SecretRecord> {
    const tenantId = ctx.caller.tenantId;
    let current = secret;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (current.state === "ARCHIVED")
        throw new ServiceError("FAILED_PRECONDITION", `secret "${current.name}" is archived; restore it first`, {
          reason: "SECRET_ARCHIVED",
        });
      if (expectedVersion !== undefined && expectedVersion !== BigInt(current.version))
        throw new ServiceError(
          "ABORTED",
          `secret "${current.name}" is at version ${current.version}, not the expected ${expectedVersion}`,
          { reason: "VERSION_MISMATCH", metadata: { current_version: String(current.version) } },
        );
      const version = current.version + 1;
      // The version number is part of the associated data, so each attempt seals afresh.
      const sealed = await seal(tenantId, current, version, plaintext);
      const result = await store.addSecretVersion(
        tenantId,
        current.id,
        { version, createTime: new Date(), createdBy: ctx.caller.tokenId, ...sealed },
        deps.keepVersions,
      );
      if (result.outcome === "OK") {
        ctx.audit.version = version;
        return result.value;
      }
      if (result.outcome === "NOT_FOUND") throw secretNotFound(secret.name);
      current = result.current;
    }
    throw tooMuchContention(secret.name);
  }

  return {
    async createSecret(request, ctx) {
      ctx.audit.resources = [request.name];
      const violations: FieldViolation[] = [];
      checkSecretName("name", request.name, violations);
      checkDisplayName("display_name", request.displayName, violations);
      checkDescription("description", request.description, violations);
      checkLabels("labels", request.labels, violations);
      const type = secretTypeFromProto(request.type);
      if (!type)
        violations.push({ field: "type", description: "type must be TOKEN, USERNAME_PASSWORD or JSON", reason: "TYPE_REQUIRED" });
      const value = type && parseSecretValue(type, secretValueInput(request.value), "value", violations);
      throwIfInvalid(violations);

      const tenantId = ctx.caller.tenantId;
      const id = randomId("sec");
      const now = new Date();
      const nameKey = secretNameKey(request.name);
      const sealed = await seal(tenantId, { id, nameKey }, 1, encodeSecretValue(value!));
      const created = await store.createSecret(
        {
          tenantId,
          id,
          name: request.name,
          nameKey,
          displayName: request.displayName,
          description: request.description,
          labels: request.labels,
          type: type!,
          createTime: now,
        },
        { version: 1, createTime: now, createdBy: ctx.caller.tokenId, ...sealed },
      );
      if (!created)
        throw new ServiceError(
          "ALREADY_EXISTS",
          `a secret named "${request.name}" already exists (names are case-insensitive; archived secrets keep theirs)`,
          { reason: "SECRET_EXISTS", metadata: { name: request.name } },
        );
      ctx.audit.version = 1;
      return { secret: secretMessage(created) };
    },

    async getSecret(request, ctx) {
      return { secret: secretMessage(await findSecret(ctx, request.name)) };
    },

    async listSecrets(request, ctx) {
      const violations: FieldViolation[] = [];
      checkLabels("labels", request.labels, violations);
      throwIfInvalid(violations);
      const filters = { prefix: request.namePrefix.toLowerCase(), labels: request.labels, archived: request.includeArchived };
      const page = await store.listSecrets(ctx.caller.tenantId, {
        ...requestedPage(request, filters),
        ...(filters.prefix !== "" && { nameKeyPrefix: filters.prefix }),
        ...(Object.keys(request.labels).length > 0 && { labels: request.labels }),
        includeArchived: request.includeArchived,
      });
      return { secrets: page.items.map(secretMessage), nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async updateSecretValue(request, ctx) {
      const current = await findSecret(ctx, request.name);
      const kept = keptValueParts(current.type, request.updateMask?.paths ?? []);
      let input = secretValueInput(request.value);
      if (kept.length > 0 && input.kind === "usernamePassword") {
        const stored = decodeSecretValue(current.type, await decryptVersion(ctx, current, current.version));
        if (stored.type === "USERNAME_PASSWORD") for (const part of kept) input = { ...input, [part]: stored[part] };
      }
      const violations: FieldViolation[] = [];
      const value = parseSecretValue(current.type, input, "value", violations);
      throwIfInvalid(violations);
      return { secret: secretMessage(await storeNewVersion(ctx, current, encodeSecretValue(value!), request.expectedVersion)) };
    },

    async rollbackSecret(request, ctx) {
      const current = await findSecret(ctx, request.name);
      if (request.version < 1n || request.version >= BigInt(current.version))
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
      const plaintext = await decryptVersion(ctx, current, Number(request.version));
      return { secret: secretMessage(await storeNewVersion(ctx, current, plaintext, request.expectedVersion)) };
    },

    async updateSecretMetadata(request, ctx) {
      const paths = updateMaskPaths(request.updateMask?.paths ?? []);
      const violations: FieldViolation[] = [];
      if (paths.has("display_name")) checkDisplayName("display_name", request.displayName, violations);
      if (paths.has("description")) checkDescription("description", request.description, violations);
      if (paths.has("labels")) checkLabels("labels", request.labels, violations);
      throwIfInvalid(violations);
      const patch = {
        ...(paths.has("display_name") && { displayName: request.displayName }),
        ...(paths.has("description") && { description: request.description }),
        ...(paths.has("labels") && { labels: request.labels }),
      };
      const updated = await writeWithRevision(ctx, request.name, request.etag, (current, expectedRevision) =>
        store.updateSecretMetadata(ctx.caller.tenantId, current.id, expectedRevision, patch, new Date()),
      );
      return { secret: secretMessage(updated) };
    },

    async listSecretVersions(request, ctx) {
      const secret = await findSecret(ctx, request.name);
      const filters = { secret: secret.id };
      const page = await store.listSecretVersions(ctx.caller.tenantId, secret.id, requestedPage(request, filters));
      return { versions: page.items.map(secretVersionMessage), nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async archiveSecret(request, ctx) {
      return { secret: secretMessage(await setState(ctx, request.name, request.etag, "ARCHIVED")) };
    },

    async restoreSecret(request, ctx) {
      return { secret: secretMessage(await setState(ctx, request.name, request.etag, "ACTIVE")) };
    },

    async deleteSecret(request, ctx) {
      const clientRevision = parseEtag(request.etag);
      const secret = await findSecret(ctx, request.name);
      const result = await store.deleteSecret(ctx.caller.tenantId, secret.id, clientRevision);
      switch (result.outcome) {
        case "DELETED":
          ctx.audit.version = result.secret.version;
          return {};
        case "NOT_FOUND":
          throw secretNotFound(request.name);
        case "CONFLICT":
          throw etagMismatch(result.current);
        case "IN_USE": {
          const named = result.consumerIds.slice(0, MAX_BLOCKING_CONSUMERS_NAMED);
          const more = result.usageCount - named.length;
          throw new ServiceError(
            "FAILED_PRECONDITION",
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
      }
    },

    async listSecretConsumers(request, ctx) {
      const secret = await findSecret(ctx, request.name);
      const filters = { secret: secret.nameKey };
      const page = await store.listSecretConsumers(ctx.caller.tenantId, secret.nameKey, requestedPage(request, filters));
      return { consumers: page.items.map(consumerMessage), nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async *watchSecretChanges(_request, ctx) {
      const tenantId = ctx.caller.tenantId;
      yield* followChanges<MessageInitShape<typeof WatchSecretChangesResponseSchema>>(
        (listener) => deps.watchHub.subscribeTenant(tenantId, listener),
        [ctx.signal, deps.shutdown],
        async () => ({ type: WatchEventType.SUBSCRIBED, time: timestampFromDate(new Date()) }),
        secretChangeMessage,
      );
    },
  };
}

const VALUE_PATHS = ["username_password.username", "username_password.password"] as const;

/** The parts of a username-password value that an update's update_mask leaves as stored. */
function keptValueParts(type: SecretType, paths: readonly string[]): ("username" | "password")[] {
  if (paths.length === 0) return [];
  if (type !== "USERNAME_PASSWORD" || paths.some((p) => !(VALUE_PATHS as readonly string[]).includes(p)))
    throw invalidArgument([
      {
        field: "update_mask",
        description: `update_mask may name only ${VALUE_PATHS.join(" or ")}, of a username-password secret`,
        reason: "INVALID_UPDATE_MASK",
      },
    ]);
  return (["username", "password"] as const).filter((part) => !paths.includes(`username_password.${part}`));
}

const METADATA_PATHS = ["display_name", "description", "labels"] as const;

function updateMaskPaths(paths: readonly string[]): Set<string> {
  if (paths.length === 0)
    throw invalidArgument([
      { field: "update_mask", description: "update_mask must name the fields to change", reason: "UPDATE_MASK_REQUIRED" },
    ]);
  if (paths.includes("*")) return new Set(METADATA_PATHS);
  const unknown = paths.filter((p) => !(METADATA_PATHS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw invalidArgument(
      unknown.map((p) => ({
        field: "update_mask",
        description: `unknown or immutable field "${p}" (allowed: ${METADATA_PATHS.join(", ")})`,
        reason: "INVALID_UPDATE_MASK",
      })),
    );
  return new Set(paths);
}

function parseEtag(etag: string): number | undefined {
  if (etag === "") return undefined;
  if (!/^[0-9]{1,15}$/.test(etag))
    throw invalidArgument([{ field: "etag", description: "etag is not one this service issued", reason: "INVALID_ETAG" }]);
  return Number(etag);
}

function etagMismatch(current: SecretRecord): ServiceError {
  return new ServiceError("ABORTED", `secret "${current.name}" changed since the etag was read; read it again`, {
    reason: "ETAG_MISMATCH",
  });
}

function tooMuchContention(name: string): ServiceError {
  return new ServiceError("ABORTED", `secret "${name}" is changing too fast; retry`, { reason: "CONTENTION" });
}
