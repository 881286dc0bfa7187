/**
 * The walls between parts of the code (DESIGN.md, "Code layout and walls"), checked over the real
 * import graph: a breach fails CI with the importing file and the import.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Every TypeScript source under a folder (relative to the repository root). */
function sourcesUnder(folder: string): string[] {
  const path = join(root, folder);
  try {
    if (!statSync(path).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((entry) => /\.(ts|tsx|mts)$/.test(entry) && !entry.endsWith(".d.ts") && !entry.split("/").includes("node_modules"))
    .map((entry) => join(folder, entry));
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

/** The repository-relative paths a file imports from our own tree (packages and node: builtins left out). */
function ourImports(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const targets: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1]!;
    if (!specifier.startsWith(".")) continue;
    targets.push(relative(root, resolve(root, dirname(file), specifier)));
  }
  return targets;
}

/** The packages a file imports (node: builtins left out). */
function packageImports(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  return [...text.matchAll(SPECIFIER)].map((match) => match[1]!).filter((s) => !s.startsWith(".") && !s.startsWith("node:"));
}

/** Packages that carry a transport or its messages: a service module never needs them. */
const TRANSPORT_PACKAGES = /^(@bufbuild\/|@connectrpc\/|@grpc\/)/;

/** A feature's wire mapping: its handlers and the message conversions they use. */
const isWireMapping = (file: string) => /-(handlers|messages)\.ts$/.test(file);

/**
 * The rules free of any transport: every module of the secrets and resolver
 * features but their wire mappings, each feature's `*-service.ts`, and the
 * rules those use (tenant set-up, key rotation, API tokens).
 */
function serviceModules(): string[] {
  const features = ["services/secrets", "services/resolver"].flatMap(sourcesUnder).filter((file) => !isWireMapping(file));
  // rpc/ holds the transports (grpc-service.ts is one), not features.
  const services = sourcesUnder("services").filter(
    (file) => /^services\/[^/]+\/[^/]+-service\.ts$/.test(file) && !within(file, "services/rpc"),
  );
  const rules = ["services/admin/tenants.ts", "services/admin/key-rotation.ts", "services/auth/api-tokens.ts"];
  return [...new Set([...features, ...services, ...rules])];
}

interface Wall {
  /** Files this wall applies to, as repository-relative folders. */
  from: string[];
  /** The folders those files may import from; anything else of ours breaches the wall. */
  mayImport: (file: string) => string[];
  rule: string;
}

const adapterFolder = (file: string) => file.split("/").slice(0, 3).join("/");

const WALLS: Wall[] = [
  { from: ["kernel"], mayImport: () => ["kernel", "gen"], rule: "the shared kernel imports nothing of ours but gen/" },
  {
    from: ["services/domain"],
    mayImport: () => ["services/domain", "kernel"],
    rule: "the domain imports only itself and the kernel",
  },
  {
    from: ["services/adapters"],
    mayImport: (file) => [adapterFolder(file), "services/adapters/keyset-pages.ts", "services/ports", "services/domain", "kernel"],
    rule: "an adapter imports ports, the domain and the kernel, never another adapter",
  },
  { from: ["sidecar"], mayImport: () => ["sidecar", "kernel", "gen"], rule: "the sidecar imports the kernel and gen/ only" },
  { from: ["cli"], mayImport: () => ["cli", "kernel", "gen"], rule: "the CLI imports the kernel and gen/ only" },
  { from: ["console"], mayImport: () => ["console", "kernel", "gen"], rule: "the console imports the kernel and gen/ only" },
  { from: ["injector"], mayImport: () => ["injector", "kernel", "gen"], rule: "the injector imports the kernel and gen/ only" },
];

function within(path: string, folder: string): boolean {
  const bare = path.replace(/\.(js|ts)$/, "");
  const base = folder.replace(/\.(js|ts)$/, "");
  return bare === base || bare.startsWith(`${base}/`);
}

describe("the walls between parts of the code", () => {
  for (const wall of WALLS) {
    it(wall.rule, () => {
      const files = wall.from.flatMap(sourcesUnder);
      const breaches = files.flatMap((file) =>
        ourImports(file)
          .filter((target) => !wall.mayImport(file).some((allowed) => within(target, allowed)))
          .map((target) => `${file} imports ${target}`),
      );
      expect(breaches).toEqual([]);
    });
  }

  it("a feature's service module imports ports, the domain, the kernel, support helpers and other service modules only", () => {
    const modules = serviceModules();
    const breaches = modules.flatMap((file) => [
      ...ourImports(file)
        .filter(
          (target) =>
            !["services/ports", "services/domain", "services/support", "kernel", ...modules].some((allowed) => within(target, allowed)),
        )
        .map((target) => `${file} imports ${target}`),
      ...packageImports(file)
        .filter((name) => TRANSPORT_PACKAGES.test(name))
        .map((name) => `${file} imports ${name}`),
    ]);
    expect(breaches).toEqual([]);
  });

  it("only rpc/, ops/, the server and the features' wire mappings import generated code", () => {
    const mayImportGenerated = (file: string) =>
      ["services/rpc", "services/ops", "services/server.ts"].some((allowed) => within(file, allowed)) || isWireMapping(file);
    const breaches = sourcesUnder("services")
      .filter((file) => !mayImportGenerated(file))
      .flatMap((file) => [
        ...ourImports(file)
          .filter((target) => within(target, "gen"))
          .map((target) => `${file} imports ${target}`),
        ...packageImports(file)
          .filter((name) => name.startsWith("@bufbuild/"))
          .map((name) => `${file} imports ${name}`),
      ]);
    expect(breaches).toEqual([]);
  });

  it("finds the imports it checks (the scan is not empty)", () => {
    expect(serviceModules()).toEqual(expect.arrayContaining(["services/secrets/secrets-service.ts", "services/admin/admin-service.ts"]));
    expect(sourcesUnder("kernel").length).toBeGreaterThan(3);
    expect(ourImports("sidecar/main.ts").length).toBeGreaterThan(0);
  });
});
