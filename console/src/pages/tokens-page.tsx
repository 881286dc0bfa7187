/**
 * API tokens: create (role, for workloads the secret name patterns with a
 * preview of what they match, expiry), shown once with a copy button, list,
 * revoke.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { consumerPatternProblem } from "../../../kernel/consumer-patterns.js";
import { secretPatternProblem } from "../../../kernel/secret-patterns.js";
import { Role, type ApiToken } from "../../../gen/secrets/v1/types_pb.js";
import type { PageProps } from "../app.js";
import { describedBy, Field, ProblemBanner } from "../components/field.js";
import { describeError, type Problem } from "../errors.js";
import { formatTime } from "../format.js";
import { ROLE_WORDS } from "../session.js";
import { PatternPreview } from "./pattern-preview.js";
import { ShownOnce } from "../components/shown-once.js";

export function TokensPage({ api, tenant }: PageProps) {
  const [tokens, setTokens] = useState<ApiToken[]>();
  const [inactive, setInactive] = useState(false);
  const [reloads, setReloads] = useState(0);
  const [problem, setProblem] = useState<string>();
  const [created, setCreated] = useState<{ id: string; secret: string }>();

  useEffect(() => {
    api.admin
      .listApiTokens({ pageSize: 200, includeInactive: inactive })
      .then((page) => setTokens(page.apiTokens))
      .catch((error) => setProblem(describeError(error).message));
  }, [api, inactive, reloads]);

  async function revoke(token: ApiToken) {
    if (!confirm(`Revoke ${token.displayName || token.id}? Anything using it stops working at once.`)) return;
    try {
      await api.admin.revokeApiToken({ tokenId: token.id });
      setReloads((n) => n + 1);
    } catch (error) {
      setProblem(describeError(error).message);
    }
  }

  return (
    <section>
      <h1>API tokens</h1>
      <ProblemBanner message={problem} />
      {created ? (
        <ShownOnce title="New API token" value={created.secret} onDone={() => setCreated(undefined)}>
          Token {created.id}: copy it now. It is stored only as a hash and will not be shown again.
        </ShownOnce>
      ) : (
        <CreateToken
          api={api}
          onCreated={(id, secret) => {
            setCreated({ id, secret });
            setReloads((n) => n + 1);
          }}
        />
      )}
      <h2>Tokens of tenant {tenant.tenantId}</h2>
      <label>
        <input type="checkbox" checked={inactive} onChange={(e) => setInactive((e.target as HTMLInputElement).checked)} /> Show revoked and
        expired
      </label>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Role</th>
            <th scope="col">Patterns</th>
            <th scope="col">Consumer ids</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {tokens?.map((token) => (
            <tr key={token.id} data-token={token.id}>
              <td>{token.displayName || "—"}</td>
              <td>{token.id}</td>
              <td>{ROLE_WORDS[token.role]}</td>
              <td>{token.allowedSecretPatterns.join(", ") || "—"}</td>
              <td>{token.allowedConsumerPatterns.join(", ") || "—"}</td>
              <td>{formatTime(token.createTime)}</td>
              <td>{formatTime(token.expireTime, "never")}</td>
              <td>
                {token.revokeTime ? (
                  `revoked ${formatTime(token.revokeTime)}`
                ) : token.id === tenant.tokenId ? (
                  "you"
                ) : (
                  <button type="button" class="danger" onClick={() => revoke(token)} aria-label={`Revoke ${token.displayName || token.id}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const ROLES: [Role, string][] = [
  [Role.VIEWER, "Viewer: reads metadata"],
  [Role.ADMIN, "Admin: manages secrets, tokens, keys"],
  [Role.WORKLOAD, "Workload: resolves the secrets its patterns name"],
];

/** Patterns typed one per line or space: the list, the first bad one, and the error to show (the service's, else the rule's). */
function patternsField(
  text: string,
  problemOf: (pattern: string) => { description: string } | undefined,
  serviceError: string | undefined,
) {
  const list = text.split(/[\s,]+/).filter((p) => p !== "");
  let firstBad: string | undefined;
  let ruleError: string | undefined;
  for (const pattern of list) {
    const problem = problemOf(pattern);
    if (problem) {
      firstBad = pattern;
      ruleError = `"${pattern}": ${problem.description}`;
      break;
    }
  }
  return { list, firstBad, error: serviceError ?? ruleError };
}

function CreateToken({ api, onCreated }: { api: PageProps["api"]; onCreated: (id: string, secret: string) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState(Role.VIEWER);
  const [patterns, setPatterns] = useState("");
  const [expiry, setExpiry] = useState("");
  const [problem, setProblem] = useState<Problem>();
  const {
    list: patternList,
    error: patternError,
    firstBad: badPattern,
  } = patternsField(patterns, secretPatternProblem, problem?.fields["allowed_secret_patterns"]);
  const [consumers, setConsumers] = useState("");
  const { list: consumerList, error: consumerError } = patternsField(
    consumers,
    consumerPatternProblem,
    problem?.fields["allowed_consumer_patterns"],
  );

  async function create(event: Event) {
    event.preventDefault();
    try {
      const response = await api.admin.createApiToken({
        displayName: name,
        role,
        allowedSecretPatterns: role === Role.WORKLOAD ? patternList : [],
        allowedConsumerPatterns: role === Role.WORKLOAD ? consumerList : [],
        ...(expiry && { expireTime: timestampFromDate(new Date(expiry)) }),
      });
      setName("");
      setPatterns("");
      setConsumers("");
      setProblem(undefined);
      onCreated(response.apiToken!.id, response.tokenSecret);
    } catch (error) {
      setProblem(describeError(error));
    }
  }
  const f = problem?.fields ?? {};
  const patternsHint = "Secret names this token may resolve, separated by spaces or lines; * matches any run of characters (DB_*).";
  const consumersHint =
    "Config ids this token may register, e.g. service/orders*; empty: any id no other token holds. Give each workload its own where several share a tenant.";
  return (
    <form onSubmit={create} class="panel">
      <h2>Create a token</h2>
      <ProblemBanner message={problem?.message} />
      <Field id="token-name" label="Name" error={f["display_name"]}>
        <input
          type="text"
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
          {...describedBy("token-name", undefined, f["display_name"])}
        />
      </Field>
      <Field id="token-role" label="Role" error={f["role"]}>
        <select
          value={role}
          onChange={(e) => setRole(Number((e.target as HTMLSelectElement).value) as Role)}
          {...describedBy("token-role", undefined, f["role"])}
        >
          {ROLES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      {role === Role.WORKLOAD && (
        <>
          <Field id="token-patterns" label="Allowed secret names" hint={patternsHint} error={patternError}>
            <textarea
              rows={2}
              value={patterns}
              onInput={(e) => setPatterns((e.target as HTMLTextAreaElement).value)}
              {...describedBy("token-patterns", patternsHint, patternError)}
            />
          </Field>
          {!badPattern && patternList.length > 0 && <PatternPreview api={api} patterns={patternList} />}
          <Field id="token-consumers" label="Allowed consumer ids (optional)" hint={consumersHint} error={consumerError}>
            <textarea
              rows={1}
              value={consumers}
              onInput={(e) => setConsumers((e.target as HTMLTextAreaElement).value)}
              {...describedBy("token-consumers", consumersHint, consumerError)}
            />
          </Field>
        </>
      )}
      <Field id="token-expiry" label="Expires (optional)" error={f["expire_time"]}>
        <input
          type="datetime-local"
          value={expiry}
          onInput={(e) => setExpiry((e.target as HTMLInputElement).value)}
          {...describedBy("token-expiry", undefined, f["expire_time"])}
        />
      </Field>
      <button type="submit" class="primary">
        Create token
      </button>
    </form>
  );
}
