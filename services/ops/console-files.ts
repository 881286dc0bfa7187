/**
 * The web console's static files (built into console/dist by `npm run build`),
 * served on the Connect listener beside the API, and the security headers
 * every response of that listener carries. The console is one page with
 * hashed assets; it calls the same API as everyone else.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

// Two folders up is the repository root both from this source file and from the service's
// build (dist/service/*.mjs).
export const CONSOLE_DIST = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/** No inline script or style, nothing from elsewhere, never framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

interface StaticFile {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
  /** Hashed asset names never change, so they may be cached for good. */
  immutable: boolean;
}

export function setSecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
}

/**
 * Reads the built console once; returns the handler for requests no RPC
 * route matched. Without a build, `/` says how to make one.
 */
export function consoleFiles(dist: string = CONSOLE_DIST): (request: IncomingMessage, response: ServerResponse) => void {
  const files = loadFiles(dist);
  return (request, response) => {
    const path = new URL(request.url ?? "/", "http://console").pathname;
    const file = files.get(path === "/" ? "/index.html" : path);
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
      return;
    }
    if (!file) {
      const missingBuild = files.size === 0 && path === "/";
      response
        .writeHead(missingBuild ? 503 : 404, { "content-type": "text/plain; charset=utf-8" })
        .end(missingBuild ? "the console is not built: run `npm run build`\n" : "not found\n");
      return;
    }
    const gzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    const body = gzip ? file.gzipped : file.body;
    response.writeHead(200, {
      "content-type": file.contentType,
      "content-length": body.length,
      "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-store",
      vary: "accept-encoding",
      ...(gzip && { "content-encoding": "gzip" }),
    });
    response.end(request.method === "HEAD" ? undefined : body);
  };
}

function loadFiles(dist: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let names: string[];
  try {
    names = readdirSync(dist, { recursive: true, encoding: "utf8" });
  } catch {
    return files;
  }
  for (const name of names) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType) continue;
    const body = readFileSync(join(dist, name));
    const urlPath = `/${name.split("\\").join("/")}`;
    files.set(urlPath, { body, gzipped: gzipSync(body, { level: 9 }), contentType, immutable: urlPath.startsWith("/assets/") });
  }
  return files;
}
