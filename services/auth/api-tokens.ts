/**
 * API tokens: minted with 256 bits of randomness, shown once, stored only as
 * a SHA-256 hash (a fast hash is enough for random tokens; there is nothing to
 * brute-force), and turned back into a caller on every call.
 */
import { createHash, randomBytes } from "node:crypto";
import { unauthenticated, type ServiceError } from "../domain/errors.js";
import { randomId } from "../domain/ids.js";
import type { Role } from "../domain/permissions.js";
import type { ApiTokenRecord, ApiTokenStore } from "../ports/api-token-store.js";

/** Prefix of every bearer token, so scanners (and people) recognise a leaked one. */
export const TOKEN_PREFIX = "sst_";

export interface MintedToken {
  id: string;
  /** The bearer token: give it to its holder once, never store it. */
  secret: string;
  hash: string;
}

export function mintApiToken(): MintedToken {
  const id = randomId("tok");
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { id, secret, hash: hashApiToken(secret) };
}

export function hashApiToken(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Who is calling, as established from their token. */
export interface Caller {
  tenantId: string;
  tokenId: string;
  role: Role;
  allowedSecretPatterns: readonly string[];
  /** Consumer ids a workload may register; absent when made without. */
  allowedConsumerPatterns?: readonly string[];
  /** When the token stops being valid, if it expires: open streams end then. */
  expireTime?: Date;
}

export function isTokenActive(token: ApiTokenRecord, now: Date): boolean {
  return token.revokeTime === undefined && (token.expireTime === undefined || token.expireTime > now);
}

/** The token of a well-formed `authorization: Bearer <token>` header; throws UNAUTHENTICATED otherwise (no lookup: cheap enough to check before reading a body). */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === "")
    throw unauthenticated("missing authorization header: send `authorization: Bearer <token>`");
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(authorization.trim());
  if (!match) throw unauthenticated("authorization header must be `Bearer <token>`");
  return match[1]!;
}

/** Resolves an `authorization` header value to a caller, or throws UNAUTHENTICATED. */
export async function authenticate(
  store: Pick<ApiTokenStore, "findApiTokenByHash">,
  authorization: string | undefined,
  now: Date,
): Promise<Caller> {
  return callerOf(await store.findApiTokenByHash(hashApiToken(bearerToken(authorization))), now);
}

/** The caller a stored token stands for, or UNAUTHENTICATED when there is none or it is no longer active. */
export function callerOf(token: ApiTokenRecord | undefined, now: Date): Caller {
  // One message for unknown, revoked and expired: a probe learns nothing.
  if (!token || !isTokenActive(token, now)) throw tokenNotValid();
  return {
    tenantId: token.tenantId,
    tokenId: token.id,
    role: token.role,
    allowedSecretPatterns: token.allowedSecretPatterns,
    ...(token.allowedConsumerPatterns && { allowedConsumerPatterns: token.allowedConsumerPatterns }),
    ...(token.expireTime && { expireTime: token.expireTime }),
  };
}

export function tokenNotValid(): ServiceError {
  return unauthenticated("the token is not valid (unknown, expired or revoked)");
}
