/**
 * The default branch of a switch that must cover every member of a union:
 * while every case is handled, `value` is `never` here; a member added to the
 * union and not to the switch makes this call a compile error.
 */
export function assertNever(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
