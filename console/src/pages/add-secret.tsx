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
  const [displayName, setDisplayName] = useState("");
  const [description, setDescription] = useState("");
  const [labels, setLabels] = useState("");
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
        displayName,
        description,
        labels: parseLabels(labels),
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
  const shownNameError = nameError && `Name ${nameError}` || serverFields["name"];
  return (
    <Drawer title="Add secret" onClose={onClose}>
      <form onSubmit={save} noValidate>
        <ProblemBanner message={problem} />
        <Field id="secret-name" label="Name" hint={nameHint} error={shownNameError}>
          <input type="text" autocomplete="off" spellcheck={false} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} {...describedBy("secret-name", nameHint, shownNameError)} />
        </Field>
        <Field id="display-name" label="Display name (optional)" error={serverFields["display_name"]}>
          <input type="text" value={displayName} onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)} {...describedBy("display-name", undefined, serverFields["display_name"])} />
        </Field>
        <Field id="description" label="Description (optional)" error={serverFields["description"]}>
          <textarea rows={2} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} {...describedBy("description", undefined, serverFields["description"])} />
        </Field>
        <Field id="labels" label="Labels (optional, one key=value per line)" error={serverFields["labels"]}>
          <textarea rows={2} value={labels} onInput={(e) => setLabels((e.target as HTMLTextAreaElement).value)} {...describedBy("labels", undefined, serverFields["labels"])} />
        </Field>
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
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save secret"}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Drawer>
  );
}

function pick(errors: Record<string, string>, key: string): Record<string, string> {
  return errors[key] ? { [key]: errors[key] } : {};
}
