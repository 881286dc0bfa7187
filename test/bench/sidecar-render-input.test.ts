/** The sidecar-render input is what the issue asks for: 300 lines, 200 references, valid YAML. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderInputYaml } from "../../bench/sidecar-fixture.js";
import { secretNames } from "../../bench/seed.js";

describe("renderInputYaml", () => {
  it("writes 300 lines holding 200 references, each name once", () => {
    const names = secretNames("RENDER", 200);
    const yaml = renderInputYaml(names);
    expect(yaml.trimEnd().split("\n")).toHaveLength(300);
    const found = [...yaml.matchAll(/\$<secret\.([A-Z0-9_]+)>/g)].map((m) => m[1]);
    expect(found).toHaveLength(200);
    expect(new Set(found)).toEqual(new Set(names));
    const parsed = parse(yaml) as { integrations: unknown[] };
    expect(parsed.integrations).toHaveLength(100);
  });
});
