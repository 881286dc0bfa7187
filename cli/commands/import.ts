/**
 * `import FILE`: many Token secrets at once from `KEY=VALUE` lines (a .env
 * file) or a flat JSON object, as the console's Import page does: every name
 * is checked first, each row is planned (create, or rotate an existing Token
 * secret), then applied with one result per row. No value is ever printed.
 */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { parseImport } from "../../kernel/env-import.js";
import { applyImport, planImport, type ImportRowPlan } from "../../kernel/import-plan.js";
import { connect, outputFormat } from "../command-context.js";
import type { CliCommand } from "./cli-command.js";
import { CliError, EXIT } from "../exit-codes.js";
import { printJson, printLine, printNotice, renderTable } from "../output.js";

const PLAN_WORDS = { create: "create", rotate: "rotate (exists)", refuse: "refuse" } satisfies Record<ImportRowPlan["action"], string>;

export const importCommand: CliCommand = {
  path: ["import"],
  define: (command) =>
    command
      .description("create (or rotate) Token secrets from KEY=VALUE lines or a flat JSON object; '-' reads stdin")
      .argument("<file>", "a .env file, a flat JSON file, or - for stdin")
      .option("--dry-run", "check and plan only: change nothing")
      .option("--skip-invalid", "import the valid lines even when others are invalid")
      .action(async (file: string, options: { dryRun?: boolean; skipInvalid?: boolean }, command: Command) => {
        const parsed = parseImport(await readInput(file));
        for (const problem of parsed.problems)
          printNotice(`line ${problem.line}${problem.name ? ` (${problem.name})` : ""}: ${problem.message}`);
        if (parsed.problems.length > 0 && !options.skipInvalid)
          throw new CliError(EXIT.invalid, `${parsed.problems.length} line(s) cannot be imported; fix them or pass --skip-invalid`);
        const clients = await connect(command);
        const plans = await planImport(clients.secrets, parsed.entries);
        const json = outputFormat(command) === "json";
        if (options.dryRun) {
          const rows = plans.map((p) => ({
            name: p.entry.name,
            line: p.entry.line,
            action: p.action,
            ...(p.reason && { reason: p.reason }),
          }));
          if (json) printJson(rows);
          else
            printLine(
              renderTable(
                ["NAME", "LINE", "PLAN"],
                rows.map((r) => [r.name, String(r.line), r.reason ? `refuse: ${r.reason}` : PLAN_WORDS[r.action]]),
              ),
            );
          return;
        }
        const results = await applyImport(clients.secrets, plans);
        if (json) printJson(results);
        else
          printLine(
            renderTable(
              ["NAME", "ACTION", "RESULT"],
              results.map((r) => [r.name, r.action, r.ok ? `ok, ${r.detail}` : `failed: ${r.detail}`]),
            ),
          );
        const failed = results.filter((r) => !r.ok).length;
        if (failed > 0) throw new CliError(EXIT.failure, `${failed} of ${results.length} row(s) were not imported`);
      }),
};

async function readInput(file: string): Promise<string> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}
