/**
 * The secrets list: paged and sorted by the service (so 100,000 secrets cost
 * one page in any column's order), searched by name prefix; refreshed live
 * when anyone changes a secret.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { WatchEventType } from "../../../gen/secrets/v1/resolver_service_pb.js";
import type { Secret } from "../../../gen/secrets/v1/types_pb.js";
import type { PageProps } from "../app.js";
import { describeError } from "../errors.js";
import { ProblemBanner } from "../components/field.js";
import { formatTime, STATE_WORDS, TYPE_WORDS } from "../format.js";
import { useLiveChanges } from "../live-changes.js";
import { secretHref } from "../router.js";
import { isAdmin } from "../session.js";
import { AddSecret } from "./add-secret.js";

type SortKey = "name" | "type" | "state" | "updated" | "accessed" | "usage";

/** Each column's header and its field in ListSecrets' order_by. */
const COLUMNS: [SortKey, string, string][] = [
  ["name", "Name", "name"],
  ["type", "Type", "type"],
  ["state", "State", "state"],
  ["updated", "Updated", "update_time"],
  ["accessed", "Last accessed", "last_access_time"],
  ["usage", "Usage", "usage_count"],
];

export function SecretsList({ api, tenant }: PageProps) {
  const [prefix, setPrefix] = useState("");
  const [archived, setArchived] = useState(false);
  const [pageSize, setPageSize] = useState(50);
  // Tokens of the pages before this one, and this one's.
  const [pageTokens, setPageTokens] = useState<string[]>([""]);
  const [secrets, setSecrets] = useState<Secret[]>();
  const [next, setNext] = useState("");
  const [sort, setSort] = useState<{ key: SortKey; ascending: boolean }>({ key: "name", ascending: true });
  const [problem, setProblem] = useState<string>();
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [reloads, setReloads] = useState(0);
  const pageToken = pageTokens[pageTokens.length - 1]!;
  const orderBy = `${COLUMNS.find(([key]) => key === sort.key)![2]} ${sort.ascending ? "asc" : "desc"}`;

  useEffect(() => {
    const stop = new AbortController();
    api.secrets
      .listSecrets({ pageSize, pageToken, namePrefix: prefix, includeArchived: archived, orderBy }, { signal: stop.signal })
      .then((page) => {
        setSecrets(page.secrets);
        setNext(page.nextPageToken);
        setProblem(undefined);
      })
      .catch((error) => stop.signal.aborted || setProblem(describeError(error).message));
    return () => stop.abort();
  }, [api, pageSize, pageToken, prefix, archived, orderBy, reloads]);

  // Many changes in a burst cost one reload. Usage and last-access changes (every resolve may
  // make one) reload only when they concern a secret on this page.
  const pending = useRef<ReturnType<typeof setTimeout>>();
  const shown = useRef(new Set<string>());
  shown.current = new Set(secrets?.map((s) => s.name));
  const live = useLiveChanges(api, (name, type) => {
    if (type === WatchEventType.USAGE_UPDATED && !shown.current.has(name)) return;
    clearTimeout(pending.current);
    pending.current = setTimeout(() => setReloads((n) => n + 1), 200);
  });
  useEffect(() => () => clearTimeout(pending.current), []);

  const restart = () => setPageTokens([""]);
  const admin = isAdmin(tenant.role);

  return (
    <section>
      <div class="title-row">
        <h1>Secrets</h1>
        <span class={live ? "live on" : "live"} role="status">
          {live ? "Live" : "Connecting…"}
        </span>
        {admin ? (
          <button type="button" class="primary" onClick={() => setAdding(true)}>
            Add secret
          </button>
        ) : (
          <span class="muted">Viewers cannot add secrets.</span>
        )}
      </div>
      {notice && (
        <p class="banner ok" role="status">
          {notice}
        </p>
      )}
      <div class="filters">
        <label>
          Search by name{" "}
          <input
            type="search"
            value={prefix}
            placeholder="name starts with…"
            onInput={(e) => {
              setPrefix((e.target as HTMLInputElement).value.trim());
              restart();
            }}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={archived}
            onChange={(e) => {
              setArchived((e.target as HTMLInputElement).checked);
              restart();
            }}
          />{" "}
          Show archived
        </label>
        <label>
          Per page{" "}
          <select
            value={pageSize}
            onChange={(e) => {
              setPageSize(Number((e.target as HTMLSelectElement).value));
              restart();
            }}
          >
            {[25, 50, 100, 500].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemBanner message={problem} />
      <table class="secrets">
        <caption class="visually-hidden">Secrets, sorted by {sort.key}</caption>
        <thead>
          <tr>
            {COLUMNS.map(([key, label]) => (
              <th key={key} scope="col" aria-sort={sort.key === key ? (sort.ascending ? "ascending" : "descending") : undefined}>
                <button
                  type="button"
                  class="sort"
                  onClick={() => {
                    setSort({ key, ascending: sort.key === key ? !sort.ascending : true });
                    restart();
                  }}
                >
                  {label}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {secrets?.map((secret) => (
            <tr key={secret.name} data-secret={secret.name}>
              <td>
                <a href={secretHref(secret.name)}>{secret.name}</a>
                {secret.displayName && <div class="muted">{secret.displayName}</div>}
              </td>
              <td>{TYPE_WORDS[secret.type]}</td>
              <td>{STATE_WORDS[secret.state]}</td>
              <td>{formatTime(secret.updateTime)}</td>
              <td>{formatTime(secret.lastAccessTime)}</td>
              <td>{secret.usageCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {secrets?.length === 0 && <p>{prefix ? "No secret name starts with that." : "No secrets yet."}</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={pageTokens.length === 1} onClick={() => setPageTokens(pageTokens.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {pageTokens.length}</span>
        <button type="button" disabled={next === ""} onClick={() => setPageTokens([...pageTokens, next])}>
          Next page
        </button>
      </nav>
      <p class="muted">
        Sorted by the service: pages follow the column's order (ties by name); never-accessed secrets count as the oldest access.
      </p>
      {adding && (
        <AddSecret
          api={api}
          onClose={() => setAdding(false)}
          onCreated={(name) => {
            setAdding(false);
            setNotice(`Created ${name}. Its value cannot be seen again.`);
            setReloads((n) => n + 1);
          }}
        />
      )}
    </section>
  );
}
