/** Rotating the tenant's key: a new key version, then every stored value rewrapped to it, with progress as the service streams it. */
import { useState } from "preact/hooks";
import type { PageProps } from "../app.js";
import { ProblemBanner } from "../components/field.js";
import { describeError } from "../errors.js";

interface Progress {
  keyVersion: number;
  rewrapped: number;
  total: number;
  done: boolean;
}

export function KeysPage({ api, tenant }: PageProps) {
  const [progress, setProgress] = useState<Progress>();
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<string>();

  async function rotate() {
    setRunning(true);
    setProblem(undefined);
    setProgress(undefined);
    try {
      for await (const step of api.admin.rotateTenantKey({}))
        setProgress({ keyVersion: step.keyVersion, rewrapped: Number(step.rewrapped), total: Number(step.total), done: step.done });
    } catch (error) {
      setProblem(describeError(error).message);
    } finally {
      setRunning(false);
    }
  }

  return (
    <section>
      <h1>Encryption key</h1>
      <p>
        Every value of tenant {tenant.tenantId} is encrypted with the tenant's own key. Rotating adds a new key version and re-encrypts
        every stored value with it; values stay usable throughout, and an interrupted rotation is finished by the next.
      </p>
      <ProblemBanner message={problem} />
      <button type="button" class="primary" disabled={running} onClick={rotate}>
        {running ? "Rotating…" : "Rotate the key"}
      </button>
      {progress && (
        <div class="panel" role="status">
          <label for="rewrap-progress">
            Key version {progress.keyVersion}: {progress.rewrapped} of {progress.total} stored values re-encrypted
            {progress.done ? " — done." : "…"}
          </label>
          <progress
            id="rewrap-progress"
            max={Math.max(progress.total, 1)}
            value={progress.done && progress.total === 0 ? 1 : progress.rewrapped}
          />
        </div>
      )}
    </section>
  );
}
