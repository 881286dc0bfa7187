/**
 * Where a secret value comes from: stdin, a file, or a hidden prompt on a
 * terminal, never a command-line argument (arguments land in shell history
 * and in `ps`). The value is checked locally with the domain's own rules
 * before it is sent, and no error ever quotes it.
 */
import { readFile } from "node:fs/promises";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { SecretType as SecretTypeEnum, type SecretValueSchema } from "../gen/secrets/v1/types_pb.js";
import type { FieldViolation } from "../kernel/field-violation.js";
import { parseSecretValue, type SecretType, type SecretValueInput } from "../kernel/secret-values.js";
import { secretTypeFromProto, secretValueMessage } from "../kernel/secret-type-wire.js";
import { CliError, EXIT } from "./exit-codes.js";
import { promptHidden, type TerminalInput } from "./prompt.js";

/** The `--type` flag's word for each domain type (a type without one fails to compile). */
const TYPE_FLAGS = { TOKEN: "token", USERNAME_PASSWORD: "username-password", JSON: "json" } as const satisfies Record<SecretType, string>;
export type TypeFlag = (typeof TYPE_FLAGS)[SecretType];
/** The domain type each `--type` word names. */
export const TYPE_FLAG_VALUES = Object.fromEntries(Object.entries(TYPE_FLAGS).map(([type, flag]) => [flag, type])) as Record<
  TypeFlag,
  SecretType
>;

export function domainTypeOf(type: SecretTypeEnum): SecretType {
  const domainType = secretTypeFromProto(type);
  if (!domainType) throw new CliError(EXIT.failure, "the service returned a secret without a type");
  return domainType;
}

export interface ValueOptions {
  /** Read the value from this file instead of stdin or a prompt. */
  fromFile?: string;
  /** For USERNAME_PASSWORD: the username (the password is the value read). */
  username?: string;
  /** For an update of a USERNAME_PASSWORD secret: without a username, the stored one is kept. */
  keepStoredUsername?: boolean;
}

export interface ValueStreams {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/** Reads, checks and shapes the value of a secret of `type`. */
export async function readSecretValue(
  type: SecretType,
  label: string,
  options: ValueOptions,
  streams: ValueStreams,
): Promise<MessageInitShape<typeof SecretValueSchema>> {
  const usernameKept = type === "USERNAME_PASSWORD" && options.username === undefined && options.keepStoredUsername === true;
  if (type === "USERNAME_PASSWORD" && options.username === undefined && !usernameKept)
    throw new CliError(EXIT.usage, "a username-password secret needs --username (the password is read like any value)");
  if (type !== "USERNAME_PASSWORD" && options.username !== undefined)
    throw new CliError(EXIT.usage, "--username applies only to username-password secrets");
  const text = await readValueText(type === "USERNAME_PASSWORD" ? `password of ${label}` : `value of ${label}`, options, streams);
  const input = valueInput(type, text, options.username ?? "");
  const checked: FieldViolation[] = [];
  parseSecretValue(type, input, "value", checked);
  // A kept username is the service's to fill in.
  const violations = usernameKept ? checked.filter((v) => v.field !== "value.username_password.username") : checked;
  if (violations.length > 0)
    throw new CliError(
      EXIT.invalid,
      "the value was refused before sending",
      violations.map((v) => `${v.field}: ${v.description}`),
    );
  const message = secretValueMessage(input);
  if (!message) throw new CliError(EXIT.invalid, "a value is required");
  return message;
}

function valueInput(type: SecretType, text: string, username: string): SecretValueInput {
  switch (type) {
    case "TOKEN":
      return { kind: "token", token: text };
    case "USERNAME_PASSWORD":
      return { kind: "usernamePassword", username, password: text };
    case "JSON":
      return { kind: "json", json: text };
  }
}

async function readValueText(what: string, options: ValueOptions, streams: ValueStreams): Promise<string> {
  if (options.fromFile !== undefined) return withoutFinalNewline(await readValueFile(options.fromFile));
  if (streams.stdin.isTTY) {
    const input = streams.stdin as TerminalInput;
    const first = await promptHidden(`Enter the ${what} (hidden): `, input, streams.stderr);
    const again = await promptHidden("Enter it again: ", input, streams.stderr);
    if (first !== again) throw new CliError(EXIT.invalid, "the two entries differ");
    return first;
  }
  return withoutFinalNewline(await readAll(streams.stdin));
}

/** `echo value |` and files saved by editors end in a newline that is not part of the value. */
function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}

async function readValueFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read --from-file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
