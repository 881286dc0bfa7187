/**
 * secretsctl: the operator CLI for the secrets service. Parses the command
 * line, runs the command, and turns any failure into one `error:` line on
 * stderr (details indented beneath) and an exit status per status class.
 */
import { keepLeadingByteOrderMarks } from "../kernel/exact-utf8.js";
import { Command, CommanderError, Option } from "commander";
import { registerCommands } from "./commands/registry.js";
import { reportError } from "./errors.js";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes.js";
import { OUTPUT_FORMATS } from "./output.js";

const CONNECTION_HELP = `
Connection: the current context (see login, context use), or the one named
by --context. Without --context, SECRETS_ADDR, SECRETS_TOKEN_FILE and
SECRETS_CA_FILE override the current context's address, token file and CA.
The config file is $XDG_CONFIG_HOME/secretsctl/config.json (else
~/.config/secretsctl/config.json), mode 0600.`;

function buildProgram(): Command {
  // Settings made here are inherited by every subcommand created after them.
  const program = new Command("secretsctl")
    .description("Manage secrets, API tokens, the audit trail and tenant keys of the secrets service.")
    .addOption(new Option("--context <name>", "use this saved context"))
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", `${CONNECTION_HELP}\n${EXIT_CODES_HELP}`);
  registerCommands(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  keepLeadingByteOrderMarks();
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    // Commander has already printed its message and the usage hint.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const report = reportError(error);
    process.stderr.write(`${report.lines.join("\n")}\n`);
    return report.exitCode;
  }
}

// Exit explicitly: an idle HTTP/2 session would otherwise keep the process alive.
process.exit(await runCli(process.argv));
