/**
 * The secrets list in another order than by name: keyset-paged on (order
 * value, name key) through the index migration 6 made for each order, one
 * statement per order, direction and first-or-next page, prepared on first use.
 */
import type Database from "better-sqlite3";
import type { SecretOrder, SecretOrderKey } from "../../ports/secret-store.js";
import type { SecretRow } from "./rows.js";
import { SECRET_COLUMNS, SECRET_LIST_FILTERS, type SecretListFilter } from "./statements.js";

/** Each order's indexed column (last_access_order: the last access time, 0 for never). */
const ORDER_EXPRESSIONS: Record<SecretOrderKey, string> = {
  name: "s.name_key",
  updateTime: "s.update_time",
  lastAccessTime: "s.last_access_order",
  usageCount: "s.usage_count",
  type: "s.type",
  state: "s.state",
};

export type OrderedListParams = SecretListFilter & { limit: number; afterValue?: number | string; afterKey?: string };

export class OrderedSecretLists {
  private readonly prepared = new Map<string, Database.Statement<OrderedListParams, SecretRow>>();

  constructor(private readonly db: Database.Database) {}

  statement(order: SecretOrder, after: boolean): Database.Statement<OrderedListParams, SecretRow> {
    const id = `${order.key}:${order.descending}:${after}`;
    let statement = this.prepared.get(id);
    if (!statement) {
      const expression = ORDER_EXPRESSIONS[order.key];
      const direction = order.descending ? "DESC" : "ASC";
      const keyset = after ? `AND (${expression}, s.name_key) ${order.descending ? "<" : ">"} (@afterValue, @afterKey)` : "";
      statement = this.db.prepare<OrderedListParams, SecretRow>(
        `SELECT ${SECRET_COLUMNS} FROM secrets s
         WHERE s.tenant_id = @tenantId ${keyset} AND ${SECRET_LIST_FILTERS}
         ORDER BY ${expression} ${direction}, s.name_key ${direction} LIMIT @limit`,
      );
      this.prepared.set(id, statement);
    }
    return statement;
  }
}
