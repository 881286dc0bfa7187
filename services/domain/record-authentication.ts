/**
 * What each MAC over a metadata record covers: the fields that decide who may
 * do what, and nothing an operator may edit freely (display names, labels,
 * last access). Each message names its kind, so a MAC made for one kind of
 * record never verifies as another, and is JSON-encoded, so no two different
 * field lists give the same bytes. The MACs are made under a per-tenant key
 * the metadata store does not hold (Cipher.mac).
 */
import type { SecretType } from "../../kernel/secret-values.js";
import type { Role } from "./permissions.js";

export interface SecretIdentity {
  tenantId: string;
  id: string;
  name: string;
  nameKey: string;
  type: SecretType;
}

export interface TokenIdentity {
  tenantId: string;
  id: string;
  hash: string;
  role: Role;
  allowedSecretPatterns: readonly string[];
  allowedConsumerPatterns?: readonly string[];
  expireTime?: Date;
}

/** A message is text (canonical JSON); the MAC is over its UTF-8 bytes. */
function message(fields: unknown[]): string {
  return JSON.stringify(fields);
}

export function tenantMessage(tenantId: string): string {
  return message(["secrets.v1/tenant", tenantId]);
}

export function secretIdentityMessage(secret: SecretIdentity): string {
  return message(["secrets.v1/secret-identity", secret.tenantId, secret.id, secret.name, secret.nameKey, secret.type]);
}

export function secretStateMessage(tenantId: string, secretId: string, state: string): string {
  return message(["secrets.v1/secret-state", tenantId, secretId, state]);
}

export function secretVersionMessage(tenantId: string, secretId: string, version: number): string {
  return message(["secrets.v1/secret-version", tenantId, secretId, version]);
}

export function tokenIdentityMessage(token: TokenIdentity): string {
  const consumerPatterns = token.allowedConsumerPatterns ?? [];
  return message([
    "secrets.v1/token-identity",
    token.tenantId,
    token.id,
    token.hash,
    token.role,
    token.allowedSecretPatterns,
    token.expireTime?.getTime() ?? null,
    // Only when set, so that tokens made before consumer patterns keep their MACs.
    ...(consumerPatterns.length > 0 ? [consumerPatterns] : []),
  ]);
}

export function consumerOwnerMessage(tenantId: string, consumerId: string, ownerTokenId: string): string {
  return message(["secrets.v1/consumer-owner", tenantId, consumerId, ownerTokenId]);
}

export function tokenRevocationMessage(tenantId: string, tokenId: string, revokeTime: Date | undefined): string {
  return message(["secrets.v1/token-revocation", tenantId, tokenId, revokeTime?.getTime() ?? null]);
}
