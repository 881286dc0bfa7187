/**
 * The Vault token the cipher uses, and keeping it valid: a token given by
 * configuration, a token file kept fresh by someone else (Vault Agent's sink
 * rewrites it whenever it re-authenticates), or an AppRole login (role id and
 * secret id read from files, so they can be mounted secrets). The token is
 * renewed when `renewFraction` of its TTL has passed; an AppRole token that
 * can no longer be renewed (or reached its max TTL) is replaced by logging in
 * again, and the token it replaces is revoked.
 */
import { readFile } from "node:fs/promises";
import type NodeVault from "node-vault";
import { isVaultPermissionDenied, mapVaultError } from "./vault-errors.js";
import { assertNever } from "../../../kernel/assert-never.js";

export type VaultAuthOptions =
  /** A token given directly (e.g. from VAULT_TOKEN). Renewed while renewable; a root token has no TTL. */
  | { method: "token"; token: string }
  /** A file holding the token, re-read after a 403 and before each renewal (e.g. a Vault Agent sink). */
  | { method: "token-file"; tokenFile: string }
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
  /** The recovery after a 403 under way, shared by every call that got one. */
  private recovering: Promise<boolean> | undefined;

  constructor(
    private readonly client: NodeVault.client,
    private readonly auth: VaultAuthOptions,
    private readonly options: TokenLifecycleOptions = {},
  ) {
    this.renewFraction = options.renewFraction ?? 0.5;
    if (!(this.renewFraction > 0 && this.renewFraction < 1)) throw new Error("renewFraction must be between 0 and 1");
  }

  /** The token requests are sent with now. */
  get token(): string | undefined {
    return this.client.token;
  }

  /** Obtains (AppRole, token file) or checks (token) the token and schedules its renewal. */
  async start(): Promise<void> {
    switch (this.auth.method) {
      case "approle":
        return this.login();
      case "token":
        this.client.token = this.auth.token;
        return this.adoptCurrentToken();
      case "token-file":
        this.client.token = await readTokenFile(this.auth.tokenFile);
        return this.adoptCurrentToken();
      default:
        return assertNever(this.auth, "Vault auth method");
    }
  }

  /**
   * After Vault answered 403 to a request sent with `usedToken`: whether a
   * retry may succeed, because the token was replaced (by a concurrent
   * recovery, a rewritten token file, or a fresh AppRole login). A token that
   * is still valid means the policy lacks a capability: no login for that.
   * Concurrent callers share one recovery, so a burst of 403s is one login.
   */
  async recoverFrom403(usedToken: string | undefined): Promise<boolean> {
    if (this.client.token !== usedToken) return true;
    this.recovering ??= this.recover().finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  /** Stops renewing and revokes a token this process logged in for (a configured token is not ours to revoke). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.auth.method === "approle") await this.revoke(this.client.token);
  }

  private async recover(): Promise<boolean> {
    switch (this.auth.method) {
      case "token":
        return false;
      case "token-file":
        return this.adoptTokenFileIfChanged();
      case "approle":
        if (await this.currentTokenIsValid()) return false;
        await this.login();
        return true;
    }
  }

  /** Re-reads the token file; a different token there replaces the current one. */
  private async adoptTokenFileIfChanged(): Promise<boolean> {
    if (this.auth.method !== "token-file") return false;
    const token = await readTokenFile(this.auth.tokenFile);
    if (token === this.client.token) return false;
    this.client.token = token;
    await this.adoptCurrentToken().catch((error: unknown) => this.reportRenewalError(error));
    return true;
  }

  private async currentTokenIsValid(): Promise<boolean> {
    try {
      await this.client.tokenLookupSelf();
      return true;
    } catch (error) {
      if (isVaultPermissionDenied(error)) return false;
      throw mapVaultError(error, { path: "auth/token/lookup-self", capability: "read" });
    }
  }

  /** Looks the current token up and schedules its renewal from its TTL. */
  private async adoptCurrentToken(): Promise<void> {
    const lookup = await this.client.tokenLookupSelf().catch((error: unknown) => {
      throw mapVaultError(error, { path: "auth/token/lookup-self", capability: "read" });
    });
    this.arm({ ttl: Number(lookup?.data?.ttl ?? 0), renewable: lookup?.data?.renewable === true });
  }

  private async login(): Promise<void> {
    if (this.auth.method !== "approle") return;
    const mount = (this.auth.mountPath ?? "approle").replace(/^\/+|\/+$/g, "");
    const [roleId, secretId] = await Promise.all([readFile(this.auth.roleIdFile, "utf8"), readFile(this.auth.secretIdFile, "utf8")]);
    const replaced = this.client.token;
    // approleLogin sets client.token from the response (node-vault's tokenSource).
    const response = await this.client
      .approleLogin({ mount_point: mount, role_id: roleId.trim(), secret_id: secretId.trim() })
      .catch((error: unknown) => {
        throw mapVaultError(error, { path: `auth/${mount}/login`, capability: "update" });
      });
    this.arm({ ttl: Number(response?.auth?.lease_duration ?? 0), renewable: response?.auth?.renewable === true });
    if (replaced !== undefined && replaced !== this.client.token) void this.revoke(replaced);
  }

  /** Best effort: an expired token needs no revoking, and Vault answers 403 for it. */
  private async revoke(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.client
      .request({ path: "/auth/token/revoke-self", method: "POST", headers: { "X-Vault-Token": token } } as NodeVault.RequestOption)
      .catch(() => undefined);
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
      // Vault Agent may have written a new token since: take that rather than renew the old one.
      if (await this.adoptTokenFileIfChanged()) return;
      if (this.lease.renewable) {
        const renewed = await this.renewSelf();
        // A renewal that comes back shorter than the lease it extends has hit the max TTL.
        const capped = renewed.ttl < this.lease.ttl;
        if (!capped || this.auth.method !== "approle") {
          this.arm(renewed);
          return;
        }
      }
      if (this.auth.method === "approle") await this.login();
      else this.reportRenewalError(new Error("the Vault token is not renewable and will expire"));
    } catch (error) {
      this.reportRenewalError(error);
      // A failed AppRole renewal still has the rest of the TTL: try a fresh login before it runs out.
      if (this.auth.method === "approle" && !this.stopped) await this.login().catch(() => undefined);
    }
  }

  private reportRenewalError(error: unknown): void {
    this.options.onRenewalError?.(error instanceof Error ? error : new Error(String(error)));
  }

  private async renewSelf(): Promise<TokenLease> {
    const response = await this.client.tokenRenewSelf({}).catch((error: unknown) => {
      throw mapVaultError(error, { path: "auth/token/renew-self", capability: "update" });
    });
    return { ttl: Number(response?.auth?.lease_duration ?? 0), renewable: response?.auth?.renewable === true };
  }
}

async function readTokenFile(path: string): Promise<string> {
  const token = (await readFile(path, "utf8")).trim();
  if (token === "") throw new Error(`the Vault token file ${path} is empty`);
  return token;
}
