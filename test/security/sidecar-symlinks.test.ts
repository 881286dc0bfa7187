/**
 * Issue 9, finding 9: the sidecar wrote through symbolic links planted in its
 * output directory. Whoever can write into the output directory (another
 * container sharing the volume, say) planted
 *   - a subdirectory link pointing elsewhere: the rendered values landed there;
 *   - a final-file link to a file of theirs: `chmod` followed it to its target.
 * The sidecar must keep every write under the output directory's real path,
 * never follow a link, and refuse with a clear error, writing nothing.
 */
import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { expectNoValues, runSidecar, startSidecarFixture, token, type SidecarFixture } from "../sidecar/support.js";

const VALUE = "symlink-target-value-Zq81";
let f: SidecarFixture;
let configs: string;

beforeAll(async () => {
  f = await startSidecarFixture([{ name: "LINKED", type: SecretType.TOKEN, value: token(VALUE) }], ["LINKED"]);
  configs = join(f.dir, "configs");
  await mkdir(join(configs, "sub"), { recursive: true });
  await writeFile(join(configs, "sub", "app.yaml"), "kind: service\nname: linked\ntoken: $<secret.LINKED>\n");
  await writeFile(join(configs, "top.yaml"), "kind: service\nname: top\ntoken: $<secret.LINKED>\n");
});

afterAll(async () => {
  await f?.cleanup();
});

describe("the sidecar never writes through a link planted in its output directory", () => {
  it("a subdirectory link pointing elsewhere: refused, nothing written there", async () => {
    const out = join(f.dir, "out-subdir");
    const elsewhere = join(f.dir, "elsewhere");
    await mkdir(out);
    await mkdir(elsewhere);
    await symlink(elsewhere, join(out, "sub"));

    const run = await runSidecar(["render", configs, "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/sub.*symbolic link/);
    expect(await readdir(elsewhere)).toEqual([]);
    expect(await readdir(out)).toEqual(["sub"]); // every path is checked before any file is written
    expectNoValues(run.output, [VALUE]);
  });

  it("a final-file link to another file: refused; the target keeps its mode and content", async () => {
    const out = join(f.dir, "out-file");
    const target = join(f.dir, "victim.yaml");
    // The target holds exactly what would be rendered, so the sidecar takes the file as unchanged and only chmods it.
    const good = join(f.dir, "out-good");
    expect((await runSidecar(["render", join(configs, "top.yaml"), "-o", good, ...f.connectionArgs()])).code).toBe(0);
    await writeFile(target, await readFile(join(good, "top.yaml")));
    await chmod(target, 0o644);
    await mkdir(out);
    await symlink(target, join(out, "top.yaml"));

    const run = await runSidecar(["render", join(configs, "top.yaml"), "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/top\.yaml.*symbolic link/);
    expect((await stat(target)).mode & 0o777).toBe(0o644);
    expect((await lstat(join(out, "top.yaml"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(out, "top.yaml"))).toBe(target);
    expectNoValues(run.output, [VALUE]);
  });

  it("a final-file link whose target differs: refused, the link left as it is", async () => {
    const out = join(f.dir, "out-file-2");
    const target = join(f.dir, "victim-2.yaml");
    await writeFile(target, "original: content\n");
    await mkdir(out);
    await symlink(target, join(out, "top.yaml"));

    const run = await runSidecar(["render", join(configs, "top.yaml"), "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/top\.yaml.*symbolic link/);
    expect(await readFile(target, "utf8")).toBe("original: content\n");
    expect(await readlink(join(out, "top.yaml"))).toBe(target);
  });

  it("an output directory that is itself a link is followed once: its real path is where everything goes", async () => {
    const real = join(f.dir, "real-out");
    const linked = join(f.dir, "linked-out");
    await mkdir(real);
    await symlink(real, linked);
    const run = await runSidecar(["render", configs, "-o", linked, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(0);
    expect((await stat(join(real, "sub", "app.yaml"))).mode & 0o777).toBe(0o600);
    expect((await lstat(join(real, "sub"))).isDirectory()).toBe(true);
  });
});
