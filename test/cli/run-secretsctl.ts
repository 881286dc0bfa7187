/**
 * Runs the real CLI (`node bin/secretsctl.js …`) as a child process, with a
 * private config directory, and keeps every output so a test can check that
 * no secret value ever reached one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/secretsctl.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunner {
  run(args: string[], options?: { stdin?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** Starts the CLI without waiting for it to end (for --follow). */
  start(args: string[], options?: { env?: NodeJS.ProcessEnv }): RunningCli;
  /** Everything every run printed, stdout and stderr. */
  allOutput(): string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  /** Resolves once stdout contains `text`. */
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves once stderr contains `text`. */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
}

/** `baseEnv` holds the config directory and, optionally, SECRETS_ADDR / SECRETS_TOKEN_FILE. */
export function cliRunner(baseEnv: NodeJS.ProcessEnv): CliRunner {
  const outputs: string[] = [];
  const spawnCli = (args: string[], env: NodeJS.ProcessEnv | undefined) =>
    spawn(process.execPath, [BIN, ...args], {
      // Only what the CLI needs: PATH for node, plus the test's variables.
      env: { PATH: process.env.PATH, ...baseEnv, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
  return {
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawnCli(args, options.env);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += String(chunk)));
        child.stderr.on("data", (chunk) => (stderr += String(chunk)));
        child.on("error", reject);
        child.on("close", (code) => {
          outputs.push(stdout, stderr);
          resolve({ code: code ?? -1, stdout, stderr });
        });
        child.stdin.end(options.stdin ?? "");
      });
    },
    start(args, options = {}) {
      const child = spawnCli(args, options.env);
      child.stdin?.end();
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk) => (stdout += String(chunk)));
      child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
      child.on("close", () => outputs.push(stdout, stderr));
      const waitForOutput = (stream: string, output: () => string, text: string, timeoutMs = 15_000) =>
        new Promise<void>((resolve, reject) => {
          const deadline = Date.now() + timeoutMs;
          const check = () => {
            if (output().includes(text)) return resolve();
            if (Date.now() > deadline || child.exitCode !== null)
              return reject(new Error(`CLI ${stream} never contained ${JSON.stringify(text)}; stdout: ${stdout}; stderr: ${stderr}`));
            setTimeout(check, 50);
          };
          check();
        });
      return {
        child,
        stdout: () => stdout,
        waitForStdout: (text, timeoutMs) => waitForOutput("stdout", () => stdout, text, timeoutMs),
        waitForStderr: (text, timeoutMs) => waitForOutput("stderr", () => stderr, text, timeoutMs),
      };
    },
    allOutput: () => outputs.join("\n"),
  };
}
