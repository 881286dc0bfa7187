/**
 * A test stand-in that answers HTTP like the parts of Vault's API the transit
 * cipher calls (transit keys, encrypt/decrypt/rewrap batches, hmac, AppRole login,
 * token lookup/renewal, sys/health). It is NOT Vault and does no real
 * cryptography: its "ciphertexts" are `vault:vN:` + base64 of a JSON record of
 * the plaintext, associated data and key, which lets tests check that the
 * adapter sends and reads the documented shapes. Its HMACs are real
 * HMAC-SHA256 under a random secret per key and version, answered in Vault's
 * documented shape (`{ data: { hmac: "vault:vN:<base64>" } }`), so a derived
 * key is stable per key and differs between keys. It records every request.
 */
import { createHmac, randomBytes } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach } from "vitest";
import { VaultTransitCipher } from "../../services/adapters/vault-transit/vault-transit-cipher.js";
import type { VaultTransitCipherOptions } from "../../services/adapters/vault-transit/vault-transit-options.js";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

interface StandInKey {
  type: string;
  exportable: boolean;
  deletion_allowed: boolean;
  derived: boolean;
  latest_version: number;
  min_decryption_version: number;
  /** Per-version HMAC secrets (index i is version i + 1). */
  hmacSecrets: Buffer[];
}

interface Injected {
  method: string;
  path: string | RegExp;
  status: number;
  body: unknown;
}

export class VaultTransitStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly keys = new Map<string, StandInKey>();
  /** Tokens the stand-in accepts; requests with any other X-Vault-Token get 403. */
  readonly validTokens = new Set<string>(["test-root-token"]);
  sealed = false;
  /** Whether rewrap honours associated_data (released Vault versions do not). */
  rewrapHonoursAssociatedData = false;
  loginLease = { lease_duration: 3600, renewable: true };
  renewLease = { lease_duration: 3600, renewable: true };
  /** What token lookup-self reports for a configured (not logged-in) token. */
  lookupLease = { ttl: 0, renewable: false };
  private logins = 0;
  private injected: Injected[] = [];
  private server: Server | undefined;
  mount = "transit";

  /** The next matching request gets this answer instead of the usual one. */
  failNext(method: string, path: string | RegExp, status: number, body: unknown = { errors: [] }): void {
    this.injected.push({ method, path, status, body });
  }

  /** Serves HTTP, or HTTPS with this certificate and key (PEM). */
  async start(tls?: { cert: Buffer; key: Buffer }): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      let raw = "";
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => {
        const body = raw === "" ? undefined : JSON.parse(raw);
        const path = (req.url ?? "").split("?")[0]!;
        this.requests.push({ method: req.method ?? "", path, headers: req.headers, body });
        const [status, answer] = this.answer(req.method ?? "", path, req.headers, body);
        res.writeHead(status, { "content-type": "application/json" });
        res.end(answer === undefined ? "" : JSON.stringify(answer));
      });
    };
    this.server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `${tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  requestsTo(pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => pathPattern.test(r.path));
  }

  private answer(method: string, path: string, headers: IncomingHttpHeaders, body: any): [number, unknown] {
    const injected = this.injected.findIndex(
      (i) => i.method === method && (typeof i.path === "string" ? i.path === path : i.path.test(path)),
    );
    if (injected >= 0) {
      const [hit] = this.injected.splice(injected, 1);
      return [hit!.status, hit!.body];
    }
    if (path === "/v1/sys/health")
      return this.sealed ? [503, { initialized: true, sealed: true }] : [200, { initialized: true, sealed: false }];
    if (this.sealed) return [503, { errors: ["Vault is sealed"] }];
    if (method === "POST" && path === "/v1/auth/approle/login") {
      if (body?.role_id !== "role-123" || body?.secret_id !== "secret-456") return [400, { errors: ["invalid role or secret ID"] }];
      const token = `login-token-${++this.logins}`;
      this.validTokens.add(token);
      return [200, { auth: { client_token: token, ...this.loginLease } }];
    }
    const token = headers["x-vault-token"];
    if (typeof token !== "string" || !this.validTokens.has(token)) return [403, { errors: ["permission denied"] }];
    if (method === "GET" && path === "/v1/auth/token/lookup-self") return [200, { data: { ...this.lookupLease } }];
    if (method === "POST" && path === "/v1/auth/token/revoke-self") {
      this.validTokens.delete(token);
      return [204, undefined];
    }
    if (method === "POST" && path === "/v1/auth/token/renew-self") return [200, { auth: { client_token: token, ...this.renewLease } }];

    const match = new RegExp(`^/v1/${this.mount}/(keys|encrypt|decrypt|rewrap|hmac)/([^/]+)(?:/(rotate|config))?$`).exec(path);
    if (!match) return [404, { errors: [] }];
    const [, area, name, action] = match as unknown as [string, string, string, string | undefined];
    const key = this.keys.get(name);
    if (area === "keys") {
      if (method === "POST" && action === undefined) {
        if (!key)
          this.keys.set(name, {
            type: body?.type ?? "aes256-gcm96",
            exportable: body?.exportable === true,
            deletion_allowed: false,
            derived: false,
            latest_version: 1,
            min_decryption_version: 1,
            hmacSecrets: [randomBytes(32)],
          });
        return [204, undefined];
      }
      if (!key) return action === "rotate" ? [400, { errors: ["key not found"] }] : [404, { errors: [] }];
      if (method === "GET") return [200, { data: keyData(name, key) }];
      if (action === "rotate") {
        key.latest_version += 1;
        key.hmacSecrets.push(randomBytes(32));
        return [200, { data: keyData(name, key) }];
      }
      if (action === "config") {
        if (typeof body?.min_decryption_version === "number") key.min_decryption_version = body.min_decryption_version;
        return [200, { data: keyData(name, key) }];
      }
    }
    if (!key) return [400, { errors: ["encryption key not found"] }];
    if (area === "hmac") {
      const version = body?.key_version ?? key.latest_version;
      const secret = key.hmacSecrets[version - 1];
      if (!secret || typeof body?.input !== "string") return [400, { errors: ["invalid key version or input"] }];
      const hmac = createHmac(body?.algorithm === "sha2-512" ? "sha512" : "sha256", secret)
        .update(Buffer.from(body.input, "base64"))
        .digest("base64");
      return [200, { data: { hmac: `vault:v${version}:${hmac}` } }];
    }
    const items: any[] = body?.batch_input ?? [];
    const results = items.map((item) => this.process(area, name, key, item));
    const failed = results.some((r) => "error" in r);
    return [failed ? 400 : 200, { data: { batch_results: results } }];
  }

  private process(area: string, name: string, key: StandInKey, item: any): Record<string, unknown> {
    const seal = (plaintext: string, associatedData: string | undefined) => ({
      ciphertext: `vault:v${key.latest_version}:${Buffer.from(JSON.stringify({ k: name, p: plaintext, ad: associatedData ?? "" })).toString("base64")}`,
      key_version: key.latest_version,
    });
    if (area === "encrypt") return seal(item.plaintext, item.associated_data);
    const opened = this.open(
      name,
      key,
      item.ciphertext,
      area === "rewrap" && !this.rewrapHonoursAssociatedData ? undefined : item.associated_data,
    );
    if ("error" in opened) return opened;
    return area === "decrypt" ? { plaintext: opened.p } : seal(opened.p, opened.ad);
  }

  private open(
    name: string,
    key: StandInKey,
    ciphertext: string,
    associatedData: string | undefined,
  ): { p: string; ad: string } | { error: string } {
    const match = /^vault:v(\d+):(.*)$/.exec(ciphertext ?? "");
    if (!match) return { error: "invalid ciphertext: no prefix" };
    if (Number(match[1]) < key.min_decryption_version)
      return { error: "ciphertext or signature version is disallowed by policy (too old)" };
    try {
      const record = JSON.parse(Buffer.from(match[2]!, "base64").toString("utf8"));
      if (record.k !== name || record.ad !== (associatedData ?? "")) return { error: "cipher: message authentication failed" };
      return { p: record.p, ad: record.ad };
    } catch {
      return { error: "cipher: message authentication failed" };
    }
  }
}

function keyData(name: string, key: StandInKey): Record<string, unknown> {
  const { hmacSecrets: _secret, ...settings } = key;
  return { name, ...settings, keys: keysMap(key.latest_version) };
}

function keysMap(latest: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: latest }, (_, i) => [String(i + 1), 1_700_000_000 + i]));
}

/** A fresh stand-in for each test of the calling file, and the ciphers a test connected, closed after it. */
export interface StandInPerTest {
  readonly standIn: VaultTransitStandIn;
  /** Connects a cipher to this test's stand-in (with its root token unless overridden). */
  connect(overrides?: Partial<VaultTransitCipherOptions>): Promise<VaultTransitCipher>;
  /** Replaces this test's stand-in with one serving HTTPS with this certificate. */
  serveTls(tls: { cert: Buffer; key: Buffer }): Promise<void>;
}

export function vaultStandInPerTest(): StandInPerTest {
  let standIn: VaultTransitStandIn;
  let address: string;
  const opened: VaultTransitCipher[] = [];
  beforeEach(async () => {
    standIn = new VaultTransitStandIn();
    address = await standIn.start();
  });
  afterEach(async () => {
    for (const cipher of opened.splice(0)) await cipher.close();
    await standIn.stop();
  });
  return {
    get standIn() {
      return standIn;
    },
    async connect(overrides = {}) {
      const cipher = await VaultTransitCipher.connect({ address, auth: { method: "token", token: "test-root-token" }, ...overrides });
      opened.push(cipher);
      return cipher;
    },
    async serveTls(tls) {
      await standIn.stop();
      standIn = new VaultTransitStandIn();
      address = await standIn.start(tls);
    },
  };
}
