/**
 * A second service on the same addresses (a second `npm start`) is refused
 * with a message naming the listener that could not bind, and the flag that
 * moves it, for each of the service's listeners.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService } from "../support/service.js";

let occupied: Server;
let busy: string;

beforeAll(async () => {
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", resolve));
  busy = `127.0.0.1:${(occupied.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => occupied?.close(resolve));
});

describe("an address already in use", () => {
  it.each([
    ["gRPC", "--listen"],
    ["metrics", "--metrics-listen"],
    ["Connect", "--connect-listen"],
  ])("names the %s listener and %s", async (listener, flag) => {
    const error = (await startTestService({ args: [flag, busy] }).then(
      (svc) => svc.cleanup().then(() => new Error("started")),
      (e: Error) => e,
    )) as Error;
    expect(error.message).toContain(`the ${listener} listener cannot listen on ${busy}: the address is already in use`);
    expect(error.message).toContain(`${flag} HOST:PORT`);
  });
});
