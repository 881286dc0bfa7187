/**
 * The CLI's config file: named contexts (address, token file, TLS) and the
 * current one. It holds paths, never a token, and is written with mode 0600
 * because it says where the tokens are.
 */
import { mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, EXIT } from "./exit-codes.js";
import { replaceFileAtomically } from "../kernel/private-files.js";

export interface Context {
  /** `host:port`, or a URL (`https://host:port`). */
  address: string;
  /** File holding the bearer token. */
  tokenFile: string;
  /** Use TLS; implied by caFile and by an `https://` address. */
  tls: boolean;
  /** CA certificate (PEM) the server's certificate must chain to. */
  caFile?: string;
}

export interface CliConfig {
  currentContext?: string;
  contexts: Record<string, Context>;
}

/** `$XDG_CONFIG_HOME/secretsctl/config.json`, else `~/.config/secretsctl/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "secretsctl", "config.json");
}

export async function loadConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { contexts: {} };
    throw new CliError(EXIT.config, `cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<CliConfig>;
    return { ...parsed, contexts: parsed.contexts ?? {} };
  } catch {
    throw new CliError(EXIT.config, `config file ${path} is not valid JSON`);
  }
}

/** Writes atomically with mode 0600. */
export async function saveConfig(path: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await replaceFileAtomically(path, Buffer.from(`${JSON.stringify(config, null, 2)}\n`, "utf8"));
}

/** Where to connect and how to authenticate, with the token read from its file. */
export interface Connection {
  address: string;
  token: string;
  tls: boolean;
  caFile?: string;
}

/**
 * The connection for this invocation. An explicit `--context` is used as it
 * is; otherwise SECRETS_ADDR / SECRETS_TOKEN_FILE / SECRETS_CA_FILE override
 * the current context's fields (and suffice without any context).
 */
export async function resolveConnection(config: CliConfig, contextName: string | undefined, env: NodeJS.ProcessEnv): Promise<Connection> {
  let context: Partial<Context>;
  if (contextName !== undefined) {
    const named = config.contexts[contextName];
    if (!named) throw new CliError(EXIT.config, `no context named "${contextName}" (see: secretsctl context list)`);
    context = named;
  } else {
    const current = config.currentContext !== undefined ? config.contexts[config.currentContext] : undefined;
    context = {
      ...current,
      ...(env.SECRETS_ADDR && { address: env.SECRETS_ADDR }),
      ...(env.SECRETS_TOKEN_FILE && { tokenFile: env.SECRETS_TOKEN_FILE }),
      ...(env.SECRETS_CA_FILE && { caFile: env.SECRETS_CA_FILE, tls: true }),
    };
  }
  if (!context.address || !context.tokenFile)
    throw new CliError(
      EXIT.config,
      "not logged in: run `secretsctl login --address HOST:PORT --token-file PATH`, or set SECRETS_ADDR and SECRETS_TOKEN_FILE",
    );
  return {
    address: context.address,
    token: await readTokenFile(context.tokenFile),
    tls: Boolean(context.tls || context.caFile || context.address.startsWith("https://")),
    ...(context.caFile && { caFile: context.caFile }),
  };
}

export async function readTokenFile(path: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(path, "utf8")).trim();
  } catch (error) {
    throw new CliError(EXIT.config, `cannot read token file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  if (token.length === 0) throw new CliError(EXIT.config, `token file ${path} is empty`);
  return token;
}
