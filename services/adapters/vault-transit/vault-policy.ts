/**
 * The least-privilege Vault policy the transit cipher needs, generated from
 * the same mount path and key prefix it is configured with, so the policy in
 * the README and docker compose cannot drift from what the code calls.
 *
 * `encrypt`/`decrypt`/`rewrap` get `update` only: with `create` on the encrypt
 * path Vault would silently create a missing key (with default settings)
 * instead of reporting it.
 */
import { checkedKeyPrefix, normalizeMountPath } from "./vault-transit-options.js";

export function vaultTransitPolicy(settings: { mountPath?: string; keyPrefix?: string }): string {
  const mount = normalizeMountPath(settings.mountPath);
  const keys = `${checkedKeyPrefix(settings.keyPrefix)}*`;
  return [
    `# Tenant keys (value keys and <tenant>_records keys): create (createTenantKey), read (latest version),`,
    `# rotate, raise min_decryption_version (retire versions after a complete rewrap).`,
    `path "${mount}/keys/${keys}" {\n  capabilities = ["create", "read", "update"]\n}`,
    `path "${mount}/keys/${keys}/rotate" {\n  capabilities = ["update"]\n}`,
    `path "${mount}/keys/${keys}/config" {\n  capabilities = ["update"]\n}`,
    `# Values: seal, open and rewrap. No "create": a missing key must be an error, not an upsert.`,
    `path "${mount}/encrypt/${keys}" {\n  capabilities = ["update"]\n}`,
    `path "${mount}/decrypt/${keys}" {\n  capabilities = ["update"]\n}`,
    `path "${mount}/rewrap/${keys}" {\n  capabilities = ["update"]\n}`,
    `# Record authentication: the HMAC that derives each tenant's record key, once per tenant and process.`,
    `path "${mount}/hmac/${keys}" {\n  capabilities = ["update"]\n}`,
    `# Token upkeep (also in Vault's default policy); revoke-self retires a replaced AppRole token.`,
    `path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}`,
    `path "auth/token/renew-self" {\n  capabilities = ["update"]\n}`,
    `path "auth/token/revoke-self" {\n  capabilities = ["update"]\n}`,
    "",
  ].join("\n");
}
