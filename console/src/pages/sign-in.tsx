/**
 * Sign-in with an API token: the service says who the token is (GetCaller);
 * a workload token is refused, since workloads resolve values and people
 * must not. The field is emptied whatever happens.
 */
import { useState } from "preact/hooks";
import { describeError } from "../errors.js";
import { describedBy, Field, ProblemBanner } from "../components/field.js";
import { withTenant, type Session } from "../session.js";
import { checkToken, WORKLOAD_REFUSAL } from "../token-check.js";

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const entered = token.trim();
    setToken("");
    setBusy(true);
    setProblem(undefined);
    try {
      onSignedIn(withTenant(undefined, await checkToken(entered)));
    } catch (error) {
      setProblem(error instanceof Error && error.message === WORKLOAD_REFUSAL ? WORKLOAD_REFUSAL : describeError(error).message);
    } finally {
      setBusy(false);
    }
  }

  const hint = "An admin or viewer API token (starts with sst_). It is kept only in this tab and forgotten at sign-out.";
  return (
    <main id="main" class="sign-in">
      <h1>Sign in to the secrets console</h1>
      <form onSubmit={submit}>
        <ProblemBanner message={problem} />
        <Field id="token" label="API token" hint={hint}>
          <input
            type="password"
            autocomplete="off"
            required
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            {...describedBy("token", hint, undefined)}
          />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
