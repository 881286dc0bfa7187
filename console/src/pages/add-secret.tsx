/**
 * The Add secret drawer: the name rule checked as you type (the kernel's),
 * value fields that follow the chosen type, and the API's own verdict shown
 * at the field it concerns. On success the drawer unmounts with the value.
 */
import { useState } from "preact/hooks";
import { secretNameProblem } from "../../../kernel/names.js";
import type { SecretType } from "../../../kernel/secret-values.js";
import { secretTypeToProto } from "../../../kernel/secret-type-wire.js";
import type { Api } from "../api.js";
import { Drawer } from "../components/drawer.js";
import { describedBy, Field, ProblemBanner } from "../components/field.js";
import { FormActions } from "../components/form-actions.js";
import { MetadataFields, type MetadataDraft } from "../components/metadata-fields.js";
import { EMPTY_VALUE, ValueFields, valueMessage, valueProblems, type ValueDraft } from "../components/value-fields.js";
import { describeError } from "../errors.js";
import { parseLabels } from "../format.js";

const TYPES: [SecretType, string][] = [
  ["TOKEN", "Token"],
  ["USERNAME_PASSWORD", "Username and password"],
  ["JSON", "JSON"],
];

export interface AddSecretProps {
  api: Api;
  onClose: () => void;
  onCreated: (name: string) => void;
}

export function AddSecret({ api, onClose, onCreated }: AddSecretProps) {
  const [name, setName] = useState("");
  const [metadata, setMetadata] = useState<MetadataDraft>({ displayName: "", description: "", labels: "" });
  const [type, setType] = useState<SecretType>("TOKEN");
  const [value, setValue] = useState<ValueDraft>(EMPTY_VALUE);
  const [tried, setTried] = useState(false);
  const [serverFields, setServerFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  const nameError = name === "" && !tried ? undefined : secretNameProblem(name);
  const local = valueProblems(type, value);
  // JSON is judged as it is typed; the other values once a save was tried.
  const shownValueErrors = tried ? local : type === "JSON" ? pick(local, "value.json") : {};
  const errors = { ...serverFields, ...shownValueErrors };

  async function save(event: Event) {
    event.preventDefault();
    setTried(true);
    if (secretNameProblem(name) || Object.keys(local).length > 0) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const { secret } = await api.secrets.createSecret({
        name,
        displayName: metadata.displayName,
        description: metadata.description,
        labels: parseLabels(metadata.labels),
        type: secretTypeToProto(type),
        value: valueMessage(type, value),
      });
      onCreated(secret?.name ?? name);
    } catch (error) {
      const described = describeError(error);
      setServerFields(described.fields);
      setProblem(described.message);
      setBusy(false);
    }
  }

  const nameHint = "Used in references: letters, digits, _ and -, starting with a letter or _. Cannot be changed later.";
  const shownNameError = (nameError && `Name ${nameError}`) || serverFields["name"];
  return (
    <Drawer title="Add secret" onClose={onClose}>
      <form onSubmit={save} noValidate>
        <ProblemBanner message={problem} />
        <Field id="secret-name" label="Name" hint={nameHint} error={shownNameError}>
          <input
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            {...describedBy("secret-name", nameHint, shownNameError)}
          />
        </Field>
        <MetadataFields draft={metadata} onChange={setMetadata} errors={serverFields} idPrefix="add" optional />
        <fieldset>
          <legend>Type (cannot be changed later)</legend>
          {TYPES.map(([key, label]) => (
            <label key={key} class="choice">
              <input type="radio" name="type" value={key} checked={type === key} onChange={() => setType(key)} /> {label}
            </label>
          ))}
        </fieldset>
        <ValueFields type={type} draft={value} onChange={setValue} errors={errors} />
        <p class="banner warn">Once saved, the value cannot be seen again by anyone: it can only be used.</p>
        <FormActions label={busy ? "Saving…" : "Save secret"} disabled={busy} onCancel={onClose} />
      </form>
    </Drawer>
  );
}

function pick(errors: Record<string, string>, key: string): Record<string, string> {
  return errors[key] ? { [key]: errors[key] } : {};
}
