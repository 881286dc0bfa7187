/** The console shell: sign-in gate, tenant switch, navigation, and the page the hash names. */
import { useMemo, useState } from "preact/hooks";
import { apiFor, type Api } from "./api.js";
import { useRoute, type Route } from "./router.js";
import { currentTenant, isAdmin, loadSession, ROLE_WORDS, saveSession, type Session, type TenantSession } from "./session.js";
import { SignIn } from "./pages/sign-in.js";
import { SecretsList } from "./pages/secrets-list.js";
import { SecretDetails } from "./pages/secret-details.js";
import { ImportPage } from "./pages/import-page.js";
import { TokensPage } from "./pages/tokens-page.js";
import { AuditPage } from "./pages/audit-page.js";
import { KeysPage } from "./pages/keys-page.js";
import { TenantsPage } from "./pages/tenants-page.js";
import { Role } from "../../gen/secrets/v1/types_pb.js";

/** What every page gets: the API as the current tenant's token, and who that is. */
export interface PageProps {
  api: Api;
  tenant: TenantSession;
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const update = (next: Session | undefined) => {
    saveSession(next);
    setSession(next);
  };
  if (!session) return <SignIn onSignedIn={update} />;
  return <SignedIn session={session} onChange={update} />;
}

function SignedIn({ session, onChange }: { session: Session; onChange: (s: Session | undefined) => void }) {
  const route = useRoute();
  const tenant = currentTenant(session);
  const api = useMemo(() => apiFor(tenant.token), [tenant.token]);
  const admin = isAdmin(tenant.role);
  const links: [Route["page"], string][] = [
    ["secrets", "Secrets"],
    ...(admin
      ? ([
          ["import", "Import"],
          ["tokens", "API tokens"],
          ["audit", "Audit"],
          ["keys", "Keys"],
        ] as [Route["page"], string][])
      : []),
    ...(tenant.role === Role.PLATFORM_ADMIN ? ([["tenants", "Tenants"]] as [Route["page"], string][]) : []),
  ];
  const current = route.page === "secret" ? "secrets" : route.page;
  return (
    <>
      <header class="top">
        <a class="skip" href="#main">
          Skip to content
        </a>
        <span class="brand">Secrets</span>
        <nav aria-label="Main">
          {links.map(([page, label]) => (
            <a key={page} href={`#/${page}`} aria-current={current === page ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          {session.tenants.length > 1 ? (
            <>
              <label for="tenant-switch">Tenant</label>
              <select
                id="tenant-switch"
                value={tenant.tenantId}
                onChange={(e) => onChange({ ...session, currentTenantId: (e.target as HTMLSelectElement).value })}
              >
                {session.tenants.map((t) => (
                  <option key={t.tenantId} value={t.tenantId}>
                    {t.tenantId}
                  </option>
                ))}
              </select>
            </>
          ) : (
            <span>Tenant {tenant.tenantId}</span>
          )}
          <span class="role">{ROLE_WORDS[tenant.role]}</span>
          <button type="button" onClick={() => onChange(undefined)}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" key={tenant.tenantId}>
        <Page route={route} api={api} tenant={tenant} session={session} onSessionChange={onChange} />
      </main>
    </>
  );
}

interface PageSwitchProps extends PageProps {
  route: Route;
  session: Session;
  onSessionChange: (s: Session) => void;
}

function Page({ route, api, tenant, session, onSessionChange }: PageSwitchProps) {
  const admin = isAdmin(tenant.role);
  switch (route.page) {
    case "secrets":
      return <SecretsList api={api} tenant={tenant} />;
    case "secret":
      return <SecretDetails api={api} tenant={tenant} name={route.name} />;
    case "import":
      return admin ? <ImportPage api={api} tenant={tenant} /> : <NotAllowed />;
    case "tokens":
      return admin ? <TokensPage api={api} tenant={tenant} /> : <NotAllowed />;
    case "audit":
      return admin ? <AuditPage api={api} tenant={tenant} /> : <NotAllowed />;
    case "keys":
      return admin ? <KeysPage api={api} tenant={tenant} /> : <NotAllowed />;
    case "tenants":
      return tenant.role === Role.PLATFORM_ADMIN ? (
        <TenantsPage api={api} tenant={tenant} session={session} onSessionChange={onSessionChange} />
      ) : (
        <NotAllowed />
      );
  }
}

function NotAllowed() {
  return (
    <section>
      <h1>Not available</h1>
      <p>Your role may not use this page.</p>
    </section>
  );
}
