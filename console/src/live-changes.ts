/**
 * Follows WatchSecretChanges for as long as a page shows secrets: `live` once
 * the service confirms the subscription, `onChange` for every change after
 * it, and reconnection with capped backoff (a refresh on reconnect covers
 * whatever happened while the stream was down).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Api } from "./api.js";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";

export function useLiveChanges(api: Api, onChange: (name: string, type: WatchEventType) => void): boolean {
  const [live, setLive] = useState(false);
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    const stop = new AbortController();
    void (async () => {
      let delay = 500;
      while (!stop.signal.aborted) {
        try {
          for await (const message of api.secrets.watchSecretChanges({}, { signal: stop.signal })) {
            if (message.type === WatchEventType.SUBSCRIBED) {
              setLive(true);
              delay = 500;
              callback.current("", message.type);
            } else callback.current(message.name, message.type);
          }
        } catch {
          // Cancelled, or the service went away: retry below unless cancelled.
        }
        setLive(false);
        if (stop.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 15_000);
      }
    })();
    return () => stop.abort();
  }, [api]);
  return live;
}
