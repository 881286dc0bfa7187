/**
 * Every tenant, as ListTenants pages them (the platform admin's view), with a
 * switch to each one this session holds a token for. A token is per tenant,
 * so switching to another needs one of its tokens: pasted here, checked with
 * GetCaller (its tenant must match; a workload token is refused), then kept
 * in the session like the sign-in token.
 */
import { useEffect, useState } from "preact/hooks";
import type { Api } from "../api.js";
import { describedBy, Field, ProblemBanner } from "../components/field.js";
import { describeError } from "../errors.js";
import { formatTime } from "../format.js";
import { withTenant, type Session } from "../session.js";
import { checkToken, WORKLOAD_REFUSAL } from "../token-check.js";
import type { Tenant } from "../../../gen/secrets/v1/types_pb.js";

interface TenantListProps {
  api: Api;
  session: Session;
  onSessionChange: (s: Session) => void;
  /** Changes when a tenant was created here, to list it. */
  reloadKey: number;
}

export function TenantList({ api, session, onSessionChange, reloadKey }: TenantListProps) {
  const [tenants, setTenants] = useState<Tenant[]>([]);
  const [next, setNext] = useState("");
  const [problem, setProblem] = useState<string>();
  const [adding, setAdding] = useState<string>();

  async function load(pageToken: string) {
    try {
      const page = await api.admin.listTenants({ pageSize: 100, pageToken });
      setTenants((shown) => (pageToken === "" ? page.tenants : [...shown, ...page.tenants]));
      setNext(page.nextPageToken);
      setProblem(undefined);
    } catch (error) {
      setProblem(describeError(error).message);
    }
  }
  useEffect(() => void load(""), [api, reloadKey]);

  const held = new Set(session.tenants.map((t) => t.tenantId));
  return (
    <section class="panel" aria-labelledby="all-tenants">
      <h2 id="all-tenants">All tenants</h2>
      <ProblemBanner message={problem} />
      <table>
        <thead>
          <tr>
            <th scope="col">Tenant id</th>
            <th scope="col">Display name</th>
            <th scope="col">Created</th>
            <th scope="col">Access</th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((t) => (
            <tr key={t.id} data-tenant={t.id}>
              <td>{t.id}</td>
              <td>{t.displayName}</td>
              <td>{formatTime(t.createTime)}</td>
              <td>
                {t.id === session.currentTenantId ? (
                  "Current"
                ) : held.has(t.id) ? (
                  <button type="button" onClick={() => onSessionChange({ ...session, currentTenantId: t.id })}>
                    Switch to {t.id}
                  </button>
                ) : (
                  <button type="button" onClick={() => setAdding(t.id)}>
                    Add a token for {t.id}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={() => void load(next)}>
          More tenants
        </button>
      )}
      {adding && (
        <AddTenantToken
          tenantId={adding}
          onCancel={() => setAdding(undefined)}
          onAdded={(tenant) => {
            setAdding(undefined);
            onSessionChange(withTenant(session, tenant));
          }}
        />
      )}
    </section>
  );
}

function AddTenantToken({
  tenantId,
  onCancel,
  onAdded,
}: {
  tenantId: string;
  onCancel: () => void;
  onAdded: (tenant: Awaited<ReturnType<typeof checkToken>>) => void;
}) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string>();

  async function submit(event: Event) {
    event.preventDefault();
    const entered = token.trim();
    setToken("");
    try {
      const tenant = await checkToken(entered);
      if (tenant.tenantId !== tenantId) setProblem(`That token belongs to tenant ${tenant.tenantId}, not ${tenantId}.`);
      else onAdded(tenant);
    } catch (error) {
      setProblem(error instanceof Error && error.message === WORKLOAD_REFUSAL ? WORKLOAD_REFUSAL : describeError(error).message);
    }
  }

  const id = "tenant-token";
  const hint = `An admin or viewer token of tenant ${tenantId}. It is kept only in this tab.`;
  return (
    <form onSubmit={submit}>
      <Field id={id} label={`Token for ${tenantId}`} hint={hint} error={problem}>
        <input
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          {...describedBy(id, hint, problem)}
        />
      </Field>
      <button type="submit" class="primary">
        Use this token
      </button>{" "}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
