/** Keyset pagination, shared by every list a store port offers. */

/** One page of a keyset-paginated list. `nextCursor` is opaque, absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface PageQuery {
  /** From a previous page's nextCursor. */
  cursor?: string;
  limit: number;
}
