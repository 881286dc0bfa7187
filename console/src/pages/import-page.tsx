/**
 * Bulk import: paste KEY=VALUE lines or drop a .env / flat JSON file; every
 * name is checked, the preview says which are new and which exist (and would
 * be rotated), then one go creates them with a result per row. The pasted
 * text is cleared as soon as the import starts.
 */
import { useState } from "preact/hooks";
import { parseImport, type ImportProblem } from "../../../kernel/env-import.js";
import { applyImport, planImport, type ImportRowPlan, type ImportRowResult } from "../../../kernel/import-plan.js";
import type { PageProps } from "../app.js";
import { describedBy, Field, ProblemBanner } from "../components/field.js";
import { describeError } from "../errors.js";

const ACTION_WORDS = {
  create: "new: will be created",
  rotate: "exists: its value will be rotated",
  refuse: "refused",
} satisfies Record<ImportRowPlan["action"], string>;

export function ImportPage({ api }: PageProps) {
  const [text, setText] = useState("");
  const [problems, setProblems] = useState<ImportProblem[]>([]);
  const [plans, setPlans] = useState<ImportRowPlan[]>();
  const [results, setResults] = useState<ImportRowResult[]>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function preview(input: string) {
    setResults(undefined);
    setPlans(undefined);
    const parsed = parseImport(input);
    setProblems(parsed.problems);
    try {
      setPlans(await planImport(api.secrets, parsed.entries));
      setProblem(undefined);
    } catch (error) {
      setProblem(describeError(error).message);
    }
  }

  async function run() {
    if (!plans) return;
    setBusy(true);
    setText("");
    const toApply = plans;
    setPlans(undefined);
    try {
      setResults(await applyImport(api.secrets, toApply));
    } finally {
      setBusy(false);
    }
  }

  async function readFile(file: File | undefined) {
    if (!file) return;
    const content = await file.text();
    setText(content);
    await preview(content);
  }

  const hint =
    "One NAME=VALUE per line (# comments, quotes and export allowed), or a flat JSON object. Values are stored as Token secrets.";
  return (
    <section>
      <h1>Import secrets</h1>
      <ProblemBanner message={problem} />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping a file is a shortcut; the file input inside is the keyboard path. */}
      <div
        class="dropzone"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          void readFile(e.dataTransfer?.files[0]);
        }}
      >
        <Field id="import-text" label="Paste KEY=VALUE lines or JSON" hint={hint}>
          <textarea
            class="code"
            rows={8}
            spellcheck={false}
            autocomplete="off"
            value={text}
            onInput={(e) => {
              setText((e.target as HTMLTextAreaElement).value);
              // A plan is of the text it was made from: an edit needs a new preview.
              setPlans(undefined);
            }}
            {...describedBy("import-text", hint, undefined)}
          />
        </Field>
        <Field id="import-file" label="…or choose (or drop here) a .env or .json file">
          <input
            type="file"
            accept=".env,.json,.txt,text/plain,application/json"
            onChange={(e) => void readFile((e.target as HTMLInputElement).files?.[0])}
            {...describedBy("import-file", undefined, undefined)}
          />
        </Field>
      </div>
      <div class="actions">
        <button type="button" onClick={() => void preview(text)} disabled={text.trim() === ""}>
          Preview
        </button>
      </div>
      {problems.length > 0 && (
        <div class="panel" role="alert">
          <h2>Lines that will not be imported</h2>
          <ul>
            {problems.map((p) => (
              <li key={`${p.line}-${p.name}`}>
                Line {p.line}
                {p.name ? ` (${p.name})` : ""}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {plans && (
        <div class="panel">
          <h2>Preview</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Name</th>
                <th scope="col">What happens</th>
              </tr>
            </thead>
            <tbody>
              {plans.map((plan) => (
                <tr key={plan.entry.name} data-import-row={plan.entry.name}>
                  <td>{plan.entry.line}</td>
                  <td>{plan.entry.name}</td>
                  <td>{plan.action === "refuse" ? `refused: ${plan.reason}` : ACTION_WORDS[plan.action]}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" class="primary" disabled={busy || plans.every((p) => p.action === "refuse")} onClick={run}>
            Import {plans.filter((p) => p.action !== "refuse").length} secret(s)
          </button>
        </div>
      )}
      {busy && <p role="status">Importing…</p>}
      {results && (
        <div class="panel" role="status">
          <h2>Result</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {results.map((r) => (
                <tr key={r.name} data-import-result={r.name}>
                  <td>{r.name}</td>
                  <td>{r.ok ? `${r.action === "create" ? "created" : "rotated"} (${r.detail})` : `failed: ${r.detail}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
