/** The tenant's audit trail, newest first, filtered by action, secret and outcome, paged by the service. */
import { useEffect, useState } from "preact/hooks";
import { AuditOutcome, type AuditEvent } from "../../../gen/secrets/v1/types_pb.js";
import { AdminService } from "../../../gen/secrets/v1/admin_service_pb.js";
import { SecretsService } from "../../../gen/secrets/v1/secrets_service_pb.js";
import type { PageProps } from "../app.js";
import { ProblemBanner } from "../components/field.js";
import { describeError } from "../errors.js";
import { formatTime, secretHrefIfName } from "../format.js";

const ACTIONS = [SecretsService, AdminService].flatMap((service) => service.methods.map((m) => `${service.typeName}/${m.name}`));

const OUTCOMES: [AuditOutcome, string][] = [
  [AuditOutcome.UNSPECIFIED, "Any"],
  [AuditOutcome.SUCCESS, "Success"],
  [AuditOutcome.DENIED, "Denied"],
  [AuditOutcome.FAILED, "Failed"],
];

export function AuditPage({ api }: PageProps) {
  const [action, setAction] = useState("");
  const [resource, setResource] = useState("");
  const [outcome, setOutcome] = useState(AuditOutcome.UNSPECIFIED);
  const [pageTokens, setPageTokens] = useState<string[]>([""]);
  const [events, setEvents] = useState<AuditEvent[]>();
  const [next, setNext] = useState("");
  const [problem, setProblem] = useState<string>();
  const pageToken = pageTokens[pageTokens.length - 1]!;

  useEffect(() => {
    const stop = new AbortController();
    api.admin
      .listAuditEvents({ action, resource: resource.trim(), outcome, pageSize: 50, pageToken }, { signal: stop.signal })
      .then((page) => {
        setEvents(page.events);
        setNext(page.nextPageToken);
        setProblem(undefined);
      })
      .catch((error) => stop.signal.aborted || setProblem(describeError(error).message));
    return () => stop.abort();
  }, [api, action, resource, outcome, pageToken]);

  const filter =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPageTokens([""]);
    };
  return (
    <section>
      <h1>Audit</h1>
      <div class="filters">
        <label>
          Action{" "}
          <select value={action} onChange={(e) => filter(setAction)((e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a.split("/")[1]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Secret or resource{" "}
          <input type="search" value={resource} onInput={(e) => filter(setResource)((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Outcome{" "}
          <select value={outcome} onChange={(e) => filter(setOutcome)(Number((e.target as HTMLSelectElement).value) as AuditOutcome)}>
            {OUTCOMES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemBanner message={problem} />
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Resources</th>
            <th scope="col">By token</th>
            <th scope="col">Outcome</th>
            <th scope="col">Version</th>
            <th scope="col">Consumer</th>
          </tr>
        </thead>
        <tbody>
          {events?.map((event) => (
            <tr key={event.id}>
              <td>{formatTime(event.time)}</td>
              <td>{event.action.split("/").pop()}</td>
              <td>
                {event.resources.map((r) => {
                  const href = secretHrefIfName(r);
                  return href ? (
                    <a key={r} href={href} class="block">
                      {r}
                    </a>
                  ) : (
                    <span key={r} class="block">
                      {r}
                    </span>
                  );
                })}
              </td>
              <td>{event.actorTokenId || "—"}</td>
              <td>{event.statusCode}</td>
              <td>{event.version ? String(event.version) : ""}</td>
              <td>{event.consumerId}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {events?.length === 0 && <p>No events match.</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={pageTokens.length === 1} onClick={() => setPageTokens(pageTokens.slice(0, -1))}>
          Newer
        </button>
        <span>Page {pageTokens.length}</span>
        <button type="button" disabled={next === ""} onClick={() => setPageTokens([...pageTokens, next])}>
          Older
        </button>
      </nav>
    </section>
  );
}
