/**
 * Construction options of the Vault transit cipher (SECRETS_CIPHER=vault).
 * Configuration maps flags/env onto this; every field is documented here.
 */
import type { TokenLifecycleOptions, VaultAuthOptions } from "./vault-auth.js";

export const DEFAULT_MOUNT_PATH = "transit";
export const DEFAULT_KEY_PREFIX = "secrets-tenant-";

export interface VaultTransitCipherOptions extends TokenLifecycleOptions {
  /** Vault's address, e.g. `https://vault.internal:8200` (conventionally VAULT_ADDR). */
  address: string;
  /** A token (VAULT_TOKEN) or AppRole credentials read from files. */
  auth: VaultAuthOptions;
  /** Where the transit engine is mounted; default `transit`. */
  mountPath?: string;
  /** Tenant key name = prefix + tenant id; default `secrets-tenant-`. The Vault policy is written against `prefix*`. */
  keyPrefix?: string;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace. */
  namespace?: string;
  /** PEM file of the CA that signed Vault's TLS certificate (conventionally VAULT_CACERT). */
  caFile?: string;
  /** Per-request timeout in milliseconds; default 10 000. */
  requestTimeoutMs?: number;
  /**
   * How rewrap re-seals. `decrypt-encrypt` (default): one decrypt batch and one
   * encrypt batch inside this process; plaintext never leaves the adapter.
   * `rewrap-endpoint`: Vault's `rewrap` endpoint, which never returns plaintext,
   * but released Vault versions ignore `associated_data` there
   * (hashicorp/vault#29532, #31791), so values sealed with associated data fail
   * to rewrap; choose it only on a Vault that accepts associated data on rewrap.
   */
  rewrapMethod?: "decrypt-encrypt" | "rewrap-endpoint";
}

export function normalizeMountPath(mountPath: string | undefined): string {
  const mount = (mountPath ?? DEFAULT_MOUNT_PATH).replace(/^\/+|\/+$/g, "");
  if (mount === "") throw new Error("the transit mount path must not be empty");
  return mount;
}

/**
 * Vault names transit keys by framework.GenericNameRegex: word characters,
 * '-' and '.', starting and ending with a word character. A tenant id starts
 * with a letter and ends with a letter or digit, so prefix + tenant id is a
 * valid name exactly when the prefix is empty or starts with a word character
 * and holds only word characters, '-' and '.'.
 */
const KEY_PREFIX = /^(?:\w[\w.-]*)?$/;

export function checkedKeyPrefix(keyPrefix: string | undefined): string {
  const prefix = keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (!KEY_PREFIX.test(prefix))
    throw new Error(
      `the transit key prefix "${prefix}" would make invalid Vault key names: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'`,
    );
  return prefix;
}
