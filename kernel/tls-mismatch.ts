/**
 * A client and a server that disagree about TLS fail with errors that name
 * neither: a TLS client meets a plaintext server as OpenSSL's "wrong version
 * number", a plaintext HTTP/2 client meets a TLS server as a reset connection
 * or a closed stream. The CLI and the sidecar both turn these into one
 * sentence saying what is wrong and which flag fixes it.
 */
import { isIP } from "node:net";
import { connect } from "node:tls";

const WRONG_PROTOCOL = /wrong version number|WRONG_VERSION_NUMBER|packet length too long|unknown protocol/i;
const CONNECTION_DROPPED = /ECONNRESET|EPIPE|socket hang up|stream closed|session closed|GOAWAY|ERR_HTTP2|Protocol error/i;
const PROBE_TIMEOUT_MS = 3000;

/** Every message and code in an error's cause chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { message, code, rawMessage } = e as { message?: unknown; code?: unknown; rawMessage?: unknown };
    for (const part of [message, code, rawMessage]) if (typeof part === "string") parts.push(part);
  }
  return parts.join(" ");
}

/** Whether a TLS handshake with `host:port` completes (the server speaks TLS), certificate unchecked. */
function speaksTls(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    // SNI takes names only (RFC 6066).
    const sni = isIP(host) === 0 ? { servername: host } : {};
    const socket = connect({ host, port, ...sni, rejectUnauthorized: false, ALPNProtocols: ["h2"], timeout: PROBE_TIMEOUT_MS });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once("secureConnect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

export interface TlsSetting {
  /** The service's URL as the client dials it (http:// plaintext, https:// TLS). */
  baseUrl: string;
  /** How the user turns TLS on, e.g. "--tls (or --ca-file FILE for a private CA)". */
  tlsFlags: string;
  /** How the user turns it off, e.g. "drop --tls and --ca-file". */
  plaintextFlags: string;
}

/**
 * A sentence naming the mismatch and its fix when `error` comes from one,
 * else undefined. A dropped plaintext connection is checked with a TLS
 * handshake, so an ordinary reset is not taken for a mismatch.
 */
export async function describeTlsMismatch(error: unknown, setting: TlsSetting): Promise<string | undefined> {
  const url = new URL(setting.baseUrl);
  const address = url.host;
  const text = errorText(error);
  if (url.protocol === "https:" && WRONG_PROTOCOL.test(text))
    return `${address} does not speak TLS (it answered in plaintext): connect without TLS (${setting.plaintextFlags}), or serve TLS (the service's --tls-cert and --tls-key)`;
  if (
    url.protocol === "http:" &&
    CONNECTION_DROPPED.test(text) &&
    (await speaksTls(url.hostname.replace(/^\[|\]$/g, ""), Number(url.port || 80)))
  )
    return `${address} expects TLS and closed this plaintext connection: connect with ${setting.tlsFlags}`;
  return undefined;
}
