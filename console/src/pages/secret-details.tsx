/**
 * One secret: its metadata, versions (who, when), consumers and the
 * references they hold, its audit events, and the reference to copy in each
 * accepted syntax. Admin actions sit in SecretActions.
 */
import { useEffect, useState } from "preact/hooks";
import type { AuditEvent, Consumer, Secret, SecretVersion } from "../../../gen/secrets/v1/types_pb.js";
import { AuditOutcome } from "../../../gen/secrets/v1/types_pb.js";
import type { PageProps } from "../app.js";
import { CopyButton } from "../components/copy-button.js";
import { ProblemBanner } from "../components/field.js";
import { describeError } from "../errors.js";
import { formatLabels, formatTime, STATE_WORDS, TYPE_WORDS } from "../format.js";
import { useLiveChanges } from "../live-changes.js";
import { referenceForms } from "../references.js";
import { isAdmin } from "../session.js";
import { SecretActions } from "./secret-actions.js";

interface Loaded {
  secret: Secret;
  versions: SecretVersion[];
  consumers: Consumer[];
  events: AuditEvent[] | undefined;
}

export function SecretDetails({ api, tenant, name }: PageProps & { name: string }) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [problem, setProblem] = useState<string>();
  const [reloads, setReloads] = useState(0);
  const admin = isAdmin(tenant.role);
  const reload = () => setReloads((n) => n + 1);

  useEffect(() => {
    const stop = new AbortController();
    const options = { signal: stop.signal };
    Promise.all([
      api.secrets.getSecret({ name }, options),
      api.secrets.listSecretVersions({ name, pageSize: 50 }, options),
      api.secrets.listSecretConsumers({ name, pageSize: 100 }, options),
      admin ? api.admin.listAuditEvents({ resource: name, pageSize: 25 }, options) : undefined,
    ])
      .then(([got, versions, consumers, audit]) => {
        setLoaded({ secret: got.secret!, versions: versions.versions, consumers: consumers.consumers, events: audit?.events });
        setProblem(undefined);
      })
      .catch((error) => stop.signal.aborted || setProblem(describeError(error).message));
    return () => stop.abort();
  }, [api, name, reloads]);
  useLiveChanges(api, (changed) => (changed === "" || changed.toLowerCase() === name.toLowerCase()) && reload());

  if (!loaded)
    return (
      <section>
        <h1>{name}</h1>
        <ProblemBanner message={problem} />
      </section>
    );
  const { secret, versions, consumers, events } = loaded;
  return (
    <section>
      <p>
        <a href="#/secrets">← All secrets</a>
      </p>
      <h1>{secret.name}</h1>
      <ProblemBanner message={problem} />
      <dl class="meta">
        <dt>Display name</dt>
        <dd>{secret.displayName || "—"}</dd>
        <dt>Description</dt>
        <dd class="description">{secret.description || "—"}</dd>
        <dt>Labels</dt>
        <dd class="pre">{formatLabels(secret.labels) || "—"}</dd>
        <dt>Type</dt>
        <dd>{TYPE_WORDS[secret.type]}</dd>
        <dt>State</dt>
        <dd>{STATE_WORDS[secret.state]}</dd>
        <dt>Version</dt>
        <dd>{String(secret.version)}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(secret.updateTime)}</dd>
        <dt>Last accessed</dt>
        <dd>{formatTime(secret.lastAccessTime)}</dd>
        <dt>Usage</dt>
        <dd>{secret.usageCount} consumer(s)</dd>
      </dl>
      {admin ? (
        <SecretActions api={api} secret={secret} consumers={consumers.map((c) => c.id)} onChanged={reload} />
      ) : (
        <p class="muted">You are a viewer: you can read metadata but not change secrets.</p>
      )}

      <h2>Reference it from a config</h2>
      {referenceForms(secret.name, secret.type).map(({ label, forms }) => (
        <div key={label} class="references">
          <h3>{label}</h3>
          <ul>
            {forms.map((form) => (
              <li key={form}>
                <code>{form}</code> <CopyButton text={form} label={`Copy ${form}`} />
              </li>
            ))}
          </ul>
        </div>
      ))}

      <h2>Consumers</h2>
      {consumers.length === 0 ? (
        <p>Nothing references this secret.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Consumer</th>
              <th scope="col">References</th>
              <th scope="col">Registered</th>
            </tr>
          </thead>
          <tbody>
            {consumers.map((consumer) => (
              <tr key={consumer.id} data-consumer={consumer.id}>
                <td>{consumer.id}</td>
                <td>
                  {consumer.references.map((reference) => (
                    <code key={reference} class="block">
                      {reference}
                    </code>
                  ))}
                </td>
                <td>{formatTime(consumer.updateTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Versions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Created</th>
            <th scope="col">By token</th>
            <th scope="col">Value kept</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={String(v.version)}>
              <td>{String(v.version)}</td>
              <td>{formatTime(v.createTime)}</td>
              <td>{v.createdBy}</td>
              <td>{v.valueRetained ? "yes" : "no (past the kept history)"}</td>
            </tr>
          ))}
        </tbody>
      </table>

      {events && (
        <>
          <h2>Audit events</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">By token</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>{formatTime(event.time)}</td>
                  <td>{event.action.split("/").pop()}</td>
                  <td>{event.actorTokenId || "—"}</td>
                  <td>{event.outcome === AuditOutcome.SUCCESS ? "success" : event.statusCode}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            <a href="#/audit">Full audit trail</a>
          </p>
        </>
      )}
    </section>
  );
}
