/**
 * The Vault token the cipher uses, and keeping it valid: either a token given
 * by configuration, or an AppRole login (role id and secret id read from
 * files, so they can be mounted secrets). The token is renewed when
 * `renewFraction` of its TTL has passed; an AppRole token that can no longer
 * be renewed (or reached its max TTL) is replaced by logging in again.
 */
import { readFile } from "node:fs/promises";
import type NodeVault from "node-vault";
import { mapVaultError } from "./vault-errors.js";

export type VaultAuthOptions =
  /** A token given directly (e.g. from VAULT_TOKEN). Renewed while renewable; a root token has no TTL. */
  | { method: "token"; token: string }
  | {
      method: "approle";
      /** File holding the AppRole role id. */
      roleIdFile: string;
      /** File holding the AppRole secret id. */
      secretIdFile: string;
      /** Where the AppRole auth method is mounted; default `approle`. */
      mountPath?: string;
    };

export interface TokenLifecycleOptions {
  /** Renew when this fraction of the token's TTL has passed; default 0.5. */
  renewFraction?: number;
  /** Told when a renewal or re-login fails (the next call will report the problem too). Never given a token. */
  onRenewalError?: (error: Error) => void;
}

interface TokenLease {
  /** Seconds; 0 for a token that does not expire. */
  ttl: number;
  renewable: boolean;
}

export class VaultTokenLifecycle {
  private timer: NodeJS.Timeout | undefined;
  private lease: TokenLease = { ttl: 0, renewable: false };
  private stopped = false;
  private readonly renewFraction: number;

  constructor(
    private readonly client: NodeVault.client,
    private readonly auth: VaultAuthOptions,
    private readonly options: TokenLifecycleOptions = {},
  ) {
    this.renewFraction = options.renewFraction ?? 0.5;
    if (!(this.renewFraction > 0 && this.renewFraction < 1)) throw new Error("renewFraction must be between 0 and 1");
  }

  /** Obtains (AppRole) or checks (token) the token and schedules its renewal. */
  async start(): Promise<void> {
    if (this.auth.method === "approle") {
      await this.login();
      return;
    }
    this.client.token = this.auth.token;
    const lookup = await this.client.tokenLookupSelf().catch((error: unknown) => {
      throw mapVaultError(error, { path: "auth/token/lookup-self", capability: "read" });
    });
    this.arm({ ttl: Number(lookup?.data?.ttl ?? 0), renewable: lookup?.data?.renewable === true });
  }

  /** After a 403: an AppRole token may have expired, so log in again. Returns whether a new token was obtained. */
  async reauthenticate(): Promise<boolean> {
    if (this.auth.method !== "approle") return false;
    await this.login();
    return true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async login(): Promise<void> {
    if (this.auth.method !== "approle") return;
    const mount = (this.auth.mountPath ?? "approle").replace(/^\/+|\/+$/g, "");
    const [roleId, secretId] = await Promise.all([
      readFile(this.auth.roleIdFile, "utf8"),
      readFile(this.auth.secretIdFile, "utf8"),
    ]);
    // approleLogin sets client.token from the response (node-vault's tokenSource).
    const response = await this.client
      .approleLogin({ mount_point: mount, role_id: roleId.trim(), secret_id: secretId.trim() })
      .catch((error: unknown) => {
        throw mapVaultError(error, { path: `auth/${mount}/login`, capability: "update" });
      });
    this.arm({ ttl: Number(response?.auth?.lease_duration ?? 0), renewable: response?.auth?.renewable === true });
  }

  private arm(lease: TokenLease): void {
    this.lease = lease;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || lease.ttl <= 0) return;
    this.timer = setTimeout(() => void this.refresh(), lease.ttl * 1000 * this.renewFraction);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    try {
      if (this.lease.renewable) {
        const renewed = await this.renewSelf();
        // A renewal that comes back shorter than the lease it extends has hit the max TTL.
        const capped = renewed.ttl < this.lease.ttl;
        if (!capped || this.auth.method === "token") {
          this.arm(renewed);
          return;
        }
      }
      if (this.auth.method === "approle") await this.login();
      else this.options.onRenewalError?.(new Error("the Vault token is not renewable and will expire"));
    } catch (error) {
      this.options.onRenewalError?.(error instanceof Error ? error : new Error(String(error)));
      // A failed AppRole renewal still has the rest of the TTL: try a fresh login before it runs out.
      if (this.auth.method === "approle" && !this.stopped) await this.login().catch(() => undefined);
    }
  }

  private async renewSelf(): Promise<TokenLease> {
    const response = await this.client.tokenRenewSelf({}).catch((error: unknown) => {
      throw mapVaultError(error, { path: "auth/token/renew-self", capability: "update" });
    });
    return { ttl: Number(response?.auth?.lease_duration ?? 0), renewable: response?.auth?.renewable === true };
  }
}
