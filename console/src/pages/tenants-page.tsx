/**
 * For a platform admin: every tenant (ListTenants), switching to those this
 * session holds a token for or adding one's token, and creating tenants (the
 * new tenant's admin token is added to the session, and shown once so it can
 * be stored).
 */
import { useState } from "preact/hooks";
import type { PageProps } from "../app.js";
import { describedBy, Field, ProblemBanner } from "../components/field.js";
import { ShownOnce } from "../components/shown-once.js";
import { describeError, type Problem } from "../errors.js";
import { withTenant, type Session } from "../session.js";
import { TenantList } from "./tenant-list.js";
import { Role } from "../../../gen/secrets/v1/types_pb.js";

export function TenantsPage({ api, session, onSessionChange }: PageProps & { session: Session; onSessionChange: (s: Session) => void }) {
  const [id, setId] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [problem, setProblem] = useState<Problem>();
  const [created, setCreated] = useState<{ tenantId: string; tokenId: string; token: string }>();
  const [creations, setCreations] = useState(0);

  async function create(event: Event) {
    event.preventDefault();
    try {
      const response = await api.admin.createTenant({ tenantId: id, displayName });
      setCreated({ tenantId: response.tenant!.id, tokenId: response.adminToken!.id, token: response.adminTokenSecret });
      setCreations((n) => n + 1);
      setId("");
      setDisplayName("");
      setProblem(undefined);
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  function keep() {
    const next = created!;
    setCreated(undefined);
    // Stay in the current tenant; the new one appears in the tenant switch.
    const current = session.currentTenantId;
    onSessionChange({ ...withTenant(session, { ...next, role: Role.ADMIN }), currentTenantId: current });
  }

  const f = problem?.fields ?? {};
  const hint = "1-64 lower-case letters, digits and -, starting with a letter. Cannot be changed.";
  return (
    <section>
      <h1>Tenants</h1>
      <p>
        This session holds tokens for: {session.tenants.map((t) => t.tenantId).join(", ")}. Switch with the tenant menu at the top, or
        below.
      </p>
      <TenantList api={api} session={session} onSessionChange={onSessionChange} reloadKey={creations} />
      {created ? (
        <ShownOnce title="New tenant's admin token" value={created.token} onDone={keep}>
          Tenant {created.tenantId} was created with its own key. This is its admin token: store it now, it is not shown again.
        </ShownOnce>
      ) : (
        <form onSubmit={create} class="panel">
          <h2>Create a tenant</h2>
          <ProblemBanner message={problem?.message} />
          <Field id="tenant-id" label="Tenant id" hint={hint} error={f["tenant_id"]}>
            <input
              type="text"
              value={id}
              onInput={(e) => setId((e.target as HTMLInputElement).value)}
              {...describedBy("tenant-id", hint, f["tenant_id"])}
            />
          </Field>
          <Field id="tenant-display-name" label="Display name (optional)" error={f["display_name"]}>
            <input
              type="text"
              value={displayName}
              onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)}
              {...describedBy("tenant-display-name", undefined, f["display_name"])}
            />
          </Field>
          <button type="submit" class="primary">
            Create tenant
          </button>
        </form>
      )}
    </section>
  );
}
