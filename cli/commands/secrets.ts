/**
 * The secret commands: create, update, rollback, edit, get, list, versions, consumers,
 * archive, restore, delete. None of them ever prints a value: the service
 * never returns one here, and values are read from stdin, a file or a hidden
 * prompt, never from an argument.
 */
import { Option, type Command } from "commander";
import { ConsumerSchema, SecretSchema, SecretState, SecretType, SecretVersionSchema, type Consumer, type Secret } from "../../gen/secrets/v1/types_pb.js";
import type { FieldViolation } from "../../kernel/field-violation.js";
import { checkSecretName } from "../../kernel/names.js";
import { connect, outputFormat } from "../command-context.js";
import { CliError, EXIT } from "../exit-codes.js";
import { positiveInt } from "../../kernel/int-flags.js";
import { collectLabel } from "../flag-parsers.js";
import { formatTime, messageJson, printJson, printLine, renderRecord, renderTable } from "../output.js";
import { allPages } from "../paging.js";
import { confirm } from "../prompt.js";
import { domainTypeOf, readSecretValue, TYPE_FLAG_VALUES, type TypeFlag } from "../value-input.js";
import type { ServiceClients } from "../client.js";

const VALUE_SOURCES_HELP = `
The value is read from --from-file, else from stdin when it is not a terminal
(one final newline is dropped), else from a hidden prompt. It is never taken
from an argument, so it stays out of shell history and process listings.`;

const SECRET_COLUMNS = ["NAME", "TYPE", "VERSION", "UPDATED", "LAST ACCESSED", "USAGE", "STATE"];

function secretRow(secret: Secret): string[] {
  return [
    secret.name,
    SecretType[secret.type],
    String(secret.version),
    formatTime(secret.updateTime),
    formatTime(secret.lastAccessTime, "never"),
    String(secret.usageCount),
    SecretState[secret.state],
  ];
}

function printSecret(command: Command, secret: Secret): void {
  if (outputFormat(command) === "json") printJson(messageJson(SecretSchema, secret));
  else printLine(renderTable(SECRET_COLUMNS, [secretRow(secret)]));
}

function checkName(name: string): void {
  const violations: FieldViolation[] = [];
  checkSecretName("name", name, violations);
  if (violations.length > 0)
    throw new CliError(EXIT.invalid, "invalid secret name", violations.map((v) => `${v.field}: ${v.description}`));
}

async function allConsumers(clients: ServiceClients, name: string): Promise<Consumer[]> {
  return allPages(async (pageToken) => {
    const page = await clients.secrets.listSecretConsumers({ name, pageToken });
    return { items: page.consumers, nextPageToken: page.nextPageToken };
  });
}

export function registerSecretCommands(program: Command): void {
  program
    .command("create")
    .description("create a secret (its value from stdin, --from-file or a hidden prompt)")
    .argument("<name>", "the name used in references: letters, digits, _ and -, starting with a letter or _")
    .addOption(new Option("-t, --type <type>", "the secret's type, fixed at creation").choices(Object.keys(TYPE_FLAG_VALUES)).makeOptionMandatory())
    .option("--username <username>", "username of a username-password secret (the password is the value read)")
    .option("-f, --from-file <path>", "read the value (or password) from this file")
    .option("--display-name <text>", "human-facing name")
    .option("--description <text>", "description")
    .option("-l, --label <key=value>", "a label (repeatable)", collectLabel)
    .addHelpText("after", VALUE_SOURCES_HELP)
    .action(async (name: string, options: { type: TypeFlag; username?: string; fromFile?: string; displayName?: string; description?: string; label?: Record<string, string> }, command: Command) => {
      checkName(name);
      const type = TYPE_FLAG_VALUES[options.type];
      const clients = await connect(command); // a missing context fails before anyone types a value
      const value = await readSecretValue(type, name, options, process);
      const { secret } = await clients.secrets.createSecret({
        name,
        type: SecretType[type],
        value,
        displayName: options.displayName ?? "",
        description: options.description ?? "",
        labels: options.label ?? {},
      });
      if (secret) printSecret(command, secret);
    });

  program
    .command("update")
    .description("store a new value as a new version (from stdin, --from-file or a hidden prompt)")
    .argument("<name>", "the secret")
    .option("--username <username>", "new username of a username-password secret (default: keep the stored one; the password is the value read)")
    .option("-f, --from-file <path>", "read the value (or password) from this file")
    .option("--expected-version <n>", "update only if this is still the current version", positiveInt)
    .addHelpText("after", VALUE_SOURCES_HELP)
    .action(async (name: string, options: { username?: string; fromFile?: string; expectedVersion?: number }, command: Command) => {
      const clients = await connect(command);
      // The type is fixed at creation: ask the service which value to read.
      const { secret: current } = await clients.secrets.getSecret({ name });
      if (!current) throw new CliError(EXIT.failure, "the service returned no secret");
      const type = domainTypeOf(current.type);
      const value = await readSecretValue(type, current.name, { ...options, keepStoredUsername: true }, process);
      const keepUsername = type === "USERNAME_PASSWORD" && options.username === undefined;
      const { secret } = await clients.secrets.updateSecretValue({
        name,
        value,
        ...(keepUsername && { updateMask: { paths: ["username_password.password"] } }),
        ...(options.expectedVersion !== undefined && { expectedVersion: BigInt(options.expectedVersion) }),
      });
      if (secret) printSecret(command, secret);
    });

  program
    .command("rollback")
    .description("make an earlier version's value current again, as a new version (the value is never shown)")
    .argument("<name>", "the secret")
    .requiredOption("--to-version <n>", "the earlier version (see `versions`; its value must still be retained)", positiveInt)
    .option("--expected-version <n>", "roll back only if this is still the current version", positiveInt)
    .action(async (name: string, options: { toVersion: number; expectedVersion?: number }, command: Command) => {
      const { secret } = await (await connect(command)).secrets.rollbackSecret({
        name,
        version: BigInt(options.toVersion),
        ...(options.expectedVersion !== undefined && { expectedVersion: BigInt(options.expectedVersion) }),
      });
      if (secret) printSecret(command, secret);
    });

  program
    .command("edit")
    .description("change a secret's display name, description or labels (name and type are fixed)")
    .argument("<name>", "the secret")
    .option("--display-name <text>", "the new display name")
    .option("--description <text>", "the new description")
    .option("-l, --label <key=value>", "the new labels, replacing all of them (repeatable)", collectLabel)
    .option("--clear-labels", "remove every label")
    .option("--etag <etag>", "change only if the secret still has this etag (from `get -o json`)")
    .action(
      async (
        name: string,
        options: { displayName?: string; description?: string; label?: Record<string, string>; clearLabels?: boolean; etag?: string },
        command: Command,
      ) => {
        const paths = [
          ...(options.displayName !== undefined ? ["display_name"] : []),
          ...(options.description !== undefined ? ["description"] : []),
          ...(options.label !== undefined || options.clearLabels ? ["labels"] : []),
        ];
        if (paths.length === 0) throw new CliError(EXIT.usage, "nothing to change: give --display-name, --description, --label or --clear-labels");
        if (options.label !== undefined && options.clearLabels) throw new CliError(EXIT.usage, "--label and --clear-labels contradict each other");
        const { secret } = await (await connect(command)).secrets.updateSecretMetadata({
          name,
          displayName: options.displayName ?? "",
          description: options.description ?? "",
          labels: options.label ?? {},
          updateMask: { paths },
          etag: options.etag ?? "",
        });
        if (secret) printSecret(command, secret);
      },
    );

  program
    .command("get")
    .description("show a secret's metadata (never its value)")
    .argument("<name>", "the secret")
    .action(async (name: string, _options: object, command: Command) => {
      const { secret } = await (await connect(command)).secrets.getSecret({ name });
      if (!secret) throw new CliError(EXIT.failure, "the service returned no secret");
      if (outputFormat(command) === "json") return printJson(messageJson(SecretSchema, secret));
      const labels = Object.entries(secret.labels).map(([k, v]) => `${k}=${v}`);
      printLine(
        renderRecord([
          ["name", secret.name],
          ["display name", secret.displayName || "-"],
          ["description", secret.description || "-"],
          ["labels", labels.length > 0 ? labels.join(", ") : "-"],
          ["type", SecretType[secret.type]],
          ["state", SecretState[secret.state]],
          ["version", String(secret.version)],
          ["created", formatTime(secret.createTime)],
          ["updated", formatTime(secret.updateTime)],
          ["last accessed", formatTime(secret.lastAccessTime, "never")],
          ["usage count", String(secret.usageCount)],
          ["archived", formatTime(secret.archiveTime)],
          ["etag", secret.etag],
        ]),
      );
    });

  program
    .command("list")
    .description("list secrets: name, type, version, updated, last accessed, usage count, state")
    .option("--prefix <prefix>", "only names starting with this (case-insensitive)")
    .option("-l, --label <key=value>", "only secrets with this label (repeatable)", collectLabel)
    .option("-a, --archived", "also list archived secrets")
    .action(async (options: { prefix?: string; label?: Record<string, string>; archived?: boolean }, command: Command) => {
      const clients = await connect(command);
      const secrets = await allPages(async (pageToken) => {
        const page = await clients.secrets.listSecrets({
          pageToken,
          namePrefix: options.prefix ?? "",
          labels: options.label ?? {},
          includeArchived: options.archived ?? false,
        });
        return { items: page.secrets, nextPageToken: page.nextPageToken };
      });
      if (outputFormat(command) === "json") printJson(secrets.map((s) => messageJson(SecretSchema, s)));
      else printLine(renderTable(SECRET_COLUMNS, secrets.map(secretRow)));
    });

  program
    .command("versions")
    .description("list a secret's versions, newest first (metadata only)")
    .argument("<name>", "the secret")
    .action(async (name: string, _options: object, command: Command) => {
      const clients = await connect(command);
      const versions = await allPages(async (pageToken) => {
        const page = await clients.secrets.listSecretVersions({ name, pageToken });
        return { items: page.versions, nextPageToken: page.nextPageToken };
      });
      if (outputFormat(command) === "json") return printJson(versions.map((v) => messageJson(SecretVersionSchema, v)));
      printLine(
        renderTable(
          ["VERSION", "CREATED", "CREATED BY", "KEY VERSION", "RETAINED"],
          versions.map((v) => [String(v.version), formatTime(v.createTime), v.createdBy, String(v.keyVersion), v.valueRetained ? "yes" : "no"]),
        ),
      );
    });

  program
    .command("consumers")
    .description("list the consumers (configs) that reference a secret")
    .argument("<name>", "the secret")
    .action(async (name: string, _options: object, command: Command) => {
      const consumers = await allConsumers(await connect(command), name);
      if (outputFormat(command) === "json") return printJson(consumers.map((c) => messageJson(ConsumerSchema, c)));
      printLine(
        renderTable(
          ["CONSUMER", "REFERENCES", "UPDATED"],
          consumers.map((c) => [c.id, c.references.join(" "), formatTime(c.updateTime)]),
        ),
      );
    });

  program
    .command("archive")
    .description("archive a secret: it can no longer be resolved and is hidden from the default list")
    .argument("<name>", "the secret")
    .action(async (name: string, _options: object, command: Command) => {
      const { secret } = await (await connect(command)).secrets.archiveSecret({ name });
      if (secret) printSecret(command, secret);
    });

  program
    .command("restore")
    .description("restore an archived secret")
    .argument("<name>", "the secret")
    .action(async (name: string, _options: object, command: Command) => {
      const { secret } = await (await connect(command)).secrets.restoreSecret({ name });
      if (secret) printSecret(command, secret);
    });

  program
    .command("delete")
    .description("delete a secret and all its versions for good (refused while any consumer references it)")
    .argument("<name>", "the secret")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nWithout --yes, the consumers referencing the secret are shown and confirmation is asked\non the terminal; with no terminal and no --yes, nothing is deleted.")
    .action(async (name: string, options: { yes?: boolean }, command: Command) => {
      const clients = await connect(command);
      if (!options.yes) await confirmDelete(clients, name);
      await clients.secrets.deleteSecret({ name });
      if (outputFormat(command) === "json") printJson({ deleted: name });
      else printLine(`deleted secret ${name}`);
    });
}

async function confirmDelete(clients: ServiceClients, name: string): Promise<void> {
  const consumers = await allConsumers(clients, name);
  const inUse =
    consumers.length > 0
      ? ` It is referenced by ${consumers.length} consumer(s): ${consumers.map((c) => c.id).join(", ")}; the service refuses to delete it while they do.`
      : "";
  if (!process.stdin.isTTY)
    throw new CliError(
      EXIT.notConfirmed,
      `not deleting secret ${name} without confirmation: no terminal to ask on, pass --yes`,
      consumers.map((c) => `consumer ${c.id} references it`),
    );
  if (!(await confirm(`Delete secret ${name} and all its versions permanently?${inUse}`, process.stdin, process.stderr)))
    throw new CliError(EXIT.notConfirmed, `secret ${name} not deleted`);
}
