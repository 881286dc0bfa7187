/**
 * Makes and checks the MACs of authority-bearing records with the cipher's
 * per-tenant record key (Cipher.mac). One cipher call per batch of records;
 * MACs travel as base64url text, compared in constant time.
 */
import { timingSafeEqual } from "node:crypto";
import {
  secretIdentityMessage,
  secretStateMessage,
  secretVersionMessage,
  tenantMessage,
  tokenIdentityMessage,
  tokenRevocationMessage,
  type SecretIdentity,
  type TokenIdentity,
} from "../domain/record-authentication.js";
import type { Cipher } from "../ports/cipher.js";
import type { ApiTokenMacs, ApiTokenRecord, SecretMacs, SecretRecord, SecretState, TenantRecord } from "../ports/metadata-store.js";

/** Which MAC of a record failed, for the log (never a value: records hold none). */
export type MacFailure = "missing" | "identity" | "state" | "version" | "revocation" | "tenant";

export class RecordMacs {
  constructor(private readonly cipher: Cipher) {}

  async tenant(tenantId: string): Promise<string> {
    return (await this.macs(tenantId, [tenantMessage(tenantId)]))[0]!;
  }

  async secret(secret: SecretIdentity, state: SecretState, version: number): Promise<SecretMacs> {
    const [identity, stateMac, versionMac] = await this.macs(secret.tenantId, [
      secretIdentityMessage(secret),
      secretStateMessage(secret.tenantId, secret.id, state),
      secretVersionMessage(secret.tenantId, secret.id, version),
    ]);
    return { identity: identity!, state: stateMac!, version: versionMac! };
  }

  async secretState(tenantId: string, secretId: string, state: SecretState): Promise<string> {
    return (await this.macs(tenantId, [secretStateMessage(tenantId, secretId, state)]))[0]!;
  }

  async secretVersion(tenantId: string, secretId: string, version: number): Promise<string> {
    return (await this.macs(tenantId, [secretVersionMessage(tenantId, secretId, version)]))[0]!;
  }

  async token(token: TokenIdentity & { revokeTime?: Date }): Promise<ApiTokenMacs> {
    const [identity, revocation] = await this.macs(token.tenantId, [
      tokenIdentityMessage(token),
      tokenRevocationMessage(token.tenantId, token.id, token.revokeTime),
    ]);
    return { identity: identity!, revocation: revocation! };
  }

  async tokenRevocation(tenantId: string, tokenId: string, revokeTime: Date): Promise<string> {
    return (await this.macs(tenantId, [tokenRevocationMessage(tenantId, tokenId, revokeTime)]))[0]!;
  }

  /** Checks a tenant record; undefined where it holds. */
  async checkTenant(tenant: TenantRecord): Promise<MacFailure | undefined> {
    if (tenant.mac === undefined) return "missing";
    return same(tenant.mac, await this.tenant(tenant.id)) ? undefined : "tenant";
  }

  /** Checks secrets of one tenant (MACs under `tenantId`'s key); one entry per secret, undefined where it holds. */
  async checkSecrets(tenantId: string, secrets: readonly SecretRecord[]): Promise<(MacFailure | undefined)[]> {
    if (secrets.length === 0) return [];
    const expected = await this.macs(
      tenantId,
      secrets.flatMap((s) => [
        secretIdentityMessage(s),
        secretStateMessage(s.tenantId, s.id, s.state),
        secretVersionMessage(s.tenantId, s.id, s.version),
      ]),
    );
    return secrets.map(({ macs }, i) => {
      if (!macs) return "missing";
      if (!same(macs.identity, expected[3 * i]!)) return "identity";
      if (!same(macs.state, expected[3 * i + 1]!)) return "state";
      return same(macs.version, expected[3 * i + 2]!) ? undefined : "version";
    });
  }

  /** Checks tokens of one tenant; one entry per token, undefined where it holds. */
  async checkTokens(tenantId: string, tokens: readonly ApiTokenRecord[]): Promise<(MacFailure | undefined)[]> {
    if (tokens.length === 0) return [];
    const expected = await this.macs(
      tenantId,
      tokens.flatMap((t) => [tokenIdentityMessage(t), tokenRevocationMessage(t.tenantId, t.id, t.revokeTime)]),
    );
    return tokens.map(({ macs }, i) => {
      if (!macs) return "missing";
      if (!same(macs.identity, expected[2 * i]!)) return "identity";
      return same(macs.revocation, expected[2 * i + 1]!) ? undefined : "revocation";
    });
  }

  private async macs(tenantId: string, messages: Uint8Array[]): Promise<string[]> {
    return (await this.cipher.mac(tenantId, messages)).map((tag) => Buffer.from(tag).toString("base64url"));
  }
}

function same(stored: string, expected: string): boolean {
  const a = Buffer.from(stored, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
