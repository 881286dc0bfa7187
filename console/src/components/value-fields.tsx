/**
 * The value inputs for a secret's type (Token: one masked field; Username
 * and password: a text and a masked field; JSON: the editor), checked with
 * the service's own rules from the kernel before anything is sent.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { parseSecretValue, type SecretType, type SecretValueInput } from "../../../kernel/secret-values.js";
import { secretValueMessage } from "../../../kernel/secret-type-wire.js";
import type { FieldViolation } from "../../../kernel/field-violation.js";
import type { SecretValueSchema } from "../../../gen/secrets/v1/types_pb.js";
import { describedBy, Field } from "./field.js";
import { JsonEditor } from "./json-editor.js";

export interface ValueDraft {
  token: string;
  username: string;
  password: string;
  json: string;
}

export const EMPTY_VALUE: ValueDraft = { token: "", username: "", password: "", json: "" };

export function valueMessage(type: SecretType, draft: ValueDraft): MessageInitShape<typeof SecretValueSchema> {
  return secretValueMessage(valueInput(type, draft))!;
}

function valueInput(type: SecretType, draft: ValueDraft): SecretValueInput {
  switch (type) {
    case "TOKEN":
      return { kind: "token", token: draft.token };
    case "USERNAME_PASSWORD":
      return { kind: "usernamePassword", username: draft.username, password: draft.password };
    case "JSON":
      return { kind: "json", json: draft.json };
  }
}

/** What is wrong with the draft, by API field path (`value.json`, …); empty when it may be sent. */
export function valueProblems(type: SecretType, draft: ValueDraft): Record<string, string> {
  const violations: FieldViolation[] = [];
  parseSecretValue(type, valueInput(type, draft), "value", violations);
  return Object.fromEntries(violations.map((v) => [v.field, v.description]));
}

export interface ValueFieldsProps {
  type: SecretType;
  draft: ValueDraft;
  onChange: (draft: ValueDraft) => void;
  /** Errors by API field path, shown once the operator has tried to save (JSON: as they type). */
  errors: Record<string, string>;
}

export function ValueFields({ type, draft, onChange, errors }: ValueFieldsProps) {
  const set = (key: keyof ValueDraft) => (event: Event) => onChange({ ...draft, [key]: (event.target as HTMLInputElement).value });
  const sizeError = errors["value"];
  switch (type) {
    case "TOKEN": {
      const error = errors["value.token"] ?? sizeError;
      return (
        <Field id="value-token" label="Token value" error={error}>
          <input
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={draft.token}
            onInput={set("token")}
            {...describedBy("value-token", undefined, error)}
          />
        </Field>
      );
    }
    case "USERNAME_PASSWORD": {
      const userError = errors["value.username_password.username"];
      const passwordError = errors["value.username_password.password"] ?? sizeError;
      return (
        <>
          <Field id="value-username" label="Username" error={userError}>
            <input
              type="text"
              autocomplete="off"
              spellcheck={false}
              value={draft.username}
              onInput={set("username")}
              {...describedBy("value-username", undefined, userError)}
            />
          </Field>
          <Field id="value-password" label="Password" error={passwordError}>
            <input
              type="password"
              autocomplete="new-password"
              value={draft.password}
              onInput={set("password")}
              {...describedBy("value-password", undefined, passwordError)}
            />
          </Field>
        </>
      );
    }
    case "JSON":
      return <JsonEditor text={draft.json} onChange={(json) => onChange({ ...draft, json })} error={errors["value.json"] ?? sizeError} />;
  }
}
