/**
 * The sidecar's small modules: the output directory writer, the consumer id rule, backoff bounds.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedOutputPath, openOutputDirectory, writeRenderedFile } from "../../sidecar/output-directory.js";
import { backoffDelayMs } from "../../sidecar/backoff.js";
import { consumerIdFor } from "../../sidecar/consumer-id.js";
import { parseYamlTemplate } from "../../sidecar/yaml-render.js";

describe("output directory writer", () => {
  let root: string;
  const write = async (relativePath: string, content: string) =>
    writeRenderedFile(root, await checkedOutputPath(root, relativePath), content);
  beforeAll(async () => {
    root = await openOutputDirectory(await mkdtemp(join(tmpdir(), "sidecar-atomic-")));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes mode 0600 through a rename, and skips unchanged bytes", async () => {
    const path = join(root, "nested", "out.yaml");
    expect(await write("nested/out.yaml", "a: 1\n")).toBe(true);
    const first = await stat(path);
    expect(first.mode & 0o777).toBe(0o600);
    expect((await stat(join(root, "nested"))).mode & 0o777).toBe(0o700);
    expect(await write("nested/out.yaml", "a: 1\n")).toBe(false);
    expect((await stat(path)).ino).toBe(first.ino); // not rewritten
    expect(await write("nested/out.yaml", "a: 2\n")).toBe(true);
    expect((await stat(path)).ino).not.toBe(first.ino); // replaced by rename, never written in place
    expect(await readFile(path, "utf8")).toBe("a: 2\n");
    expect(await readdir(join(root, "nested"))).toEqual(["out.yaml"]); // no temp file left
  });

  it("restores mode 0600 on an unchanged file", async () => {
    const path = join(root, "loose.yaml");
    await writeFile(path, "x\n", { mode: 0o644 });
    expect(await write("loose.yaml", "x\n")).toBe(false);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("refuses a FIFO, a directory or a path leaving the output directory where a file goes, without hanging", async () => {
    execFileSync("mkfifo", [join(root, "fifo.yaml")]);
    await expect(checkedOutputPath(root, "fifo.yaml")).rejects.toThrow(/fifo\.yaml: it is not a regular file/);
    await mkdir(join(root, "dir.yaml"));
    await expect(checkedOutputPath(root, "dir.yaml")).rejects.toThrow(/not a regular file/);
    await expect(checkedOutputPath(root, "../escape.yaml")).rejects.toThrow(/not a path inside the output directory/);
    await writeFile(join(root, "plain"), "");
    await expect(checkedOutputPath(root, "plain/x.yaml")).rejects.toThrow(/plain: it is not a directory/);
  });
});

describe("consumer id rule", () => {
  const docs = (text: string) => parseYamlTemplate(text).documents;

  it("takes --consumer-id for a single file only", () => {
    expect(consumerIdFor("a.yaml", docs("kind: x\nname: y\n"), { consumerId: "service/given", fileCount: 1 })).toBe("service/given");
    expect(() => consumerIdFor("a.yaml", [], { consumerId: "c", fileCount: 2 })).toThrow(/one config/);
  });

  it("derives kind/name, metadata.name, then the path, with an optional prefix", () => {
    expect(consumerIdFor("a.yaml", docs("kind: service\nname: payments\n"), { fileCount: 2 })).toBe("service/payments");
    expect(consumerIdFor("a.yaml", docs("kind: Integration\nmetadata:\n  name: slack\n"), { fileCount: 2 })).toBe("Integration/slack");
    expect(consumerIdFor("a.yaml", docs("# none\n---\nkind: provider\nname: grafana\n"), { fileCount: 1 })).toBe("provider/grafana");
    expect(consumerIdFor("team/db.yml", docs("a: 1\n"), { fileCount: 2, consumerPrefix: "prod" })).toBe("prod/file/team/db");
  });

  it("refuses an id the service would refuse", () => {
    expect(() => consumerIdFor("a.yaml", docs("kind: my service\nname: x\n"), { fileCount: 1 })).toThrow(/--consumer-id/);
  });
});

describe("backoff", () => {
  it("grows exponentially up to the cap, with full jitter", () => {
    const options = { baseMs: 100, capMs: 1000 };
    expect([0, 1, 2, 3, 10].map((n) => backoffDelayMs(n, options, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(5, options, () => 0)).toBe(0);
  });
});
