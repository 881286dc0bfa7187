/**
 * Who may create, replace or delete a consumer (a config's registered
 * references). A consumer belongs to the token that created it, so that one
 * workload cannot squat another's consumer id and break its renders:
 * - a workload token with consumer patterns may touch only the ids they cover;
 *   one made without (before consumer patterns existed) may touch any id, but
 *   never one that another token owns: first come, first owner;
 * - an id owned by another token (say, the token before a rotation) may be
 *   taken over only by a token whose patterns cover it and whose grant covers
 *   every secret the consumer references, so no takeover unprotects a secret
 *   the taker could not read;
 * - a consumer registered before owners were recorded goes to the first
 *   writer whose grant covers its references;
 * - admins may do anything to any consumer (and reassign it).
 */
import { patternsCoverConsumer } from "../../kernel/consumer-patterns.js";
import { callerMayAccessSecret, type Role } from "./permissions.js";

export interface ConsumerWriter {
  tokenId: string;
  role: Role;
  allowedSecretPatterns: readonly string[];
  /** Empty or absent: a token made without consumer patterns. */
  allowedConsumerPatterns?: readonly string[];
}

export interface ExistingConsumer {
  /** Absent when registered before owners were recorded. */
  ownerTokenId?: string;
  referencedNameKeys: readonly string[];
}

export type ConsumerRefusal =
  /** The writer's consumer patterns do not cover the id. */
  | { reason: "CONSUMER_ID_NOT_ALLOWED" }
  /** Another token owns the consumer and the writer may not take it over. */
  | { reason: "CONSUMER_OWNED"; ownerTokenId: string }
  /** A consumer without owner holds references the writer is not granted. */
  | { reason: "CONSUMER_REFERENCES_NOT_GRANTED" };

/** Why `writer` may not create, replace or delete consumer `consumerId`, or undefined if it may. */
export function consumerWriteRefusal(
  writer: ConsumerWriter,
  consumerId: string,
  existing: ExistingConsumer | undefined,
): ConsumerRefusal | undefined {
  if (writer.role !== "WORKLOAD") return undefined;
  const patterns = writer.allowedConsumerPatterns ?? [];
  if (patterns.length > 0 && !patternsCoverConsumer(patterns, consumerId)) return { reason: "CONSUMER_ID_NOT_ALLOWED" };
  if (!existing || existing.ownerTokenId === writer.tokenId) return undefined;
  const referencesGranted = existing.referencedNameKeys.every((nameKey) => callerMayAccessSecret(writer, nameKey));
  if (existing.ownerTokenId === undefined) return referencesGranted ? undefined : { reason: "CONSUMER_REFERENCES_NOT_GRANTED" };
  return patterns.length > 0 && referencesGranted ? undefined : { reason: "CONSUMER_OWNED", ownerTokenId: existing.ownerTokenId };
}

/** The owner a permitted write leaves: a workload takes the consumer; an admin leaves its owner, or owns a new one. */
export function ownerAfterWrite(writer: ConsumerWriter, existing: ExistingConsumer | undefined): string | undefined {
  if (writer.role === "WORKLOAD") return writer.tokenId;
  return existing ? existing.ownerTokenId : writer.tokenId;
}
