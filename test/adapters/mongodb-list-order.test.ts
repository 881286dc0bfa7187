/**
 * The MongoDB adapter's keyset filter for the secrets list in another order
 * than by name, run by mingo (MongoDB's query language in memory) over the
 * documents it would match, so the never-accessed special case (a missing
 * field, which $gt and $lt never match) is checked without a server. The
 * store contract checks the same against a real MongoDB when one is set.
 */
import { Query } from "mingo";
import { describe, expect, it } from "vitest";
import { ORDER_FIELDS, orderedSecretListFilter, toSecretRecord } from "../../services/adapters/mongodb/mongo-documents.js";
import type { SecretDoc } from "../../services/adapters/mongodb/mongo-schema.js";
import { encodeOrderedCursor, secretOrderValue } from "../../services/adapters/keyset-pages.js";
import type { SecretOrder, SecretOrderKey } from "../../services/ports/secret-store.js";

const docs: SecretDoc[] = Array.from({ length: 9 }, (_, i) => {
  const name = `S_${i}`;
  return {
    _id: `id-${i}`,
    tenantId: "t",
    name,
    nameKey: name.toLowerCase(),
    displayName: "",
    description: "",
    labels: [],
    type: i % 3 === 0 ? "JSON" : "TOKEN",
    state: "ACTIVE",
    version: 1,
    revision: 1,
    createTime: new Date(1000),
    updateTime: new Date(1000 * (i % 4)),
    usageCount: i % 2,
    ...(i % 3 !== 0 && { lastAccessTime: new Date(60_000 * (1 + (i % 2))) }),
  } as unknown as SecretDoc;
});

/** Pages through `docs` as the adapter does: filter, sort by (field, nameKey), limit, cursor from the last item. */
function allPages(order: SecretOrder, limit: number): string[] {
  const direction = order.descending ? -1 : 1;
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const filter = orderedSecretListFilter("t", { limit, includeArchived: false, ...(cursor && { cursor }) }, order);
    const page = new Query(filter as Record<string, unknown>)
      .find<SecretDoc>(docs)
      .sort({ [ORDER_FIELDS[order.key]]: direction, nameKey: direction })
      .limit(limit + 1)
      .all();
    seen.push(...page.slice(0, limit).map((d) => d.nameKey));
    if (page.length <= limit) return seen;
    const last = toSecretRecord(page[limit - 1]!);
    cursor = encodeOrderedCursor(secretOrderValue(last, order.key), last.nameKey);
  }
  throw new Error(`paging did not end: ${order.key} ${order.descending}, ${limit}: ${seen.slice(0, 12).join(",")}`);
}

describe("MongoDB keyset filter for ordered secret lists", () => {
  it("visits every secret once, in order, either way, never-accessed ones as the oldest access", () => {
    const records = docs.map(toSecretRecord);
    const compare = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
    for (const key of Object.keys(ORDER_FIELDS) as SecretOrderKey[])
      for (const descending of [false, true]) {
        const sign = descending ? -1 : 1;
        const expected = [...records]
          .sort((a, b) => sign * (compare(secretOrderValue(a, key), secretOrderValue(b, key)) || compare(a.nameKey, b.nameKey)))
          .map((s) => s.nameKey);
        for (const limit of [1, 2, 4]) expect(allPages({ key, descending }, limit), `${key} ${descending}, ${limit}`).toEqual(expected);
      }
  });
});
