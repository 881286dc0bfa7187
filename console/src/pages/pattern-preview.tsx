/**
 * Which secrets a workload token's patterns would grant, before it exists:
 * each pattern's literal prefix narrows a ListSecrets page, and the kernel's
 * own matcher decides.
 */
import { useEffect, useState } from "preact/hooks";
import { patternsGrantSecret } from "../../../kernel/secret-patterns.js";
import type { Api } from "../api.js";

const SHOWN = 20;

export function PatternPreview({ api, patterns }: { api: Api; patterns: string[] }) {
  const [matches, setMatches] = useState<{ names: string[]; more: boolean }>();
  const key = patterns.join(" ");
  useEffect(() => {
    const stop = new AbortController();
    const timer = setTimeout(async () => {
      const names = new Set<string>();
      let more = false;
      try {
        for (const pattern of patterns) {
          const page = await api.secrets.listSecrets({ namePrefix: pattern.split("*")[0]!, pageSize: 1000 }, { signal: stop.signal });
          for (const secret of page.secrets) if (patternsGrantSecret([pattern], secret.name)) names.add(secret.name);
          more ||= page.nextPageToken !== "";
        }
        setMatches({ names: [...names].sort(), more });
      } catch {
        if (!stop.signal.aborted) setMatches(undefined);
      }
    }, 250);
    return () => {
      clearTimeout(timer);
      stop.abort();
    };
  }, [api, key]);
  if (!matches) return null;
  const { names, more } = matches;
  return (
    <div class="preview" role="status" aria-live="polite">
      {names.length === 0 ? (
        <p>These patterns match no existing secret (they will match secrets created later).</p>
      ) : (
        <>
          <p>
            Matches {more ? "at least " : ""}
            {names.length} existing secret(s){names.length > SHOWN ? `, the first ${SHOWN}:` : ":"}
          </p>
          <ul class="matches">
            {names.slice(0, SHOWN).map((name) => (
              <li key={name}>{name}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
