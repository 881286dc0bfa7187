/**
 * Why a listener could not bind, for the operator: which listener, the cause
 * in words, and the flag that moves it (a second `npm start` on one machine
 * meets the first's ports).
 */
export interface Listener {
  /** As the operator knows it: "gRPC", "metrics", "Connect". */
  name: string;
  /** The flag that sets its address. */
  flag: string;
  /** Said after the flag, e.g. how to turn the listener off. */
  hint?: string;
}

export function listenError(listener: Listener, address: string, cause: Error & { code?: string }): Error {
  const text = `${cause.code ?? ""} ${cause.message}`;
  const why = /EADDRINUSE|address already in use/i.test(text)
    ? "the address is already in use (another secrets service, or another program, holds it)"
    : /EACCES|permission denied/i.test(text)
      ? "permission denied (ports below 1024 need privileges)"
      : /EADDRNOTAVAIL|cannot assign requested address/i.test(text)
        ? "no interface of this machine has that address"
        : cause.message;
  return new Error(
    `the ${listener.name} listener cannot listen on ${address}: ${why}; give it another address with ${listener.flag} HOST:PORT${listener.hint ? ` ${listener.hint}` : ""}`,
  );
}
