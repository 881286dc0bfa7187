/** A secret's editable metadata (display name, description, labels), as the Add and Edit drawers both ask for it. */
import { describedBy, Field } from "./field.js";

export interface MetadataDraft {
  displayName: string;
  description: string;
  /** One `key=value` per line. */
  labels: string;
}

export interface MetadataFieldsProps {
  draft: MetadataDraft;
  onChange: (draft: MetadataDraft) => void;
  /** API errors by field path (`display_name`, `description`, `labels`). */
  errors: Record<string, string>;
  /** Unique within the page: the ids of the controls start with it. */
  idPrefix: string;
  optional?: boolean;
}

const FIELDS: [keyof MetadataDraft, string, string, number][] = [
  ["displayName", "display_name", "Display name", 0],
  ["description", "description", "Description", 3],
  ["labels", "labels", "Labels (one key=value per line)", 3],
];

export function MetadataFields({ draft, onChange, errors, idPrefix, optional = false }: MetadataFieldsProps) {
  return (
    <>
      {FIELDS.map(([key, path, label, rows]) => {
        const id = `${idPrefix}-${path}`;
        const error = errors[path];
        const onInput = (event: Event) => onChange({ ...draft, [key]: (event.target as HTMLInputElement).value });
        return (
          <Field key={key} id={id} label={optional ? `${label} (optional)` : label} error={error}>
            {rows === 0 ? (
              <input type="text" value={draft[key]} onInput={onInput} {...describedBy(id, undefined, error)} />
            ) : (
              <textarea rows={rows} value={draft[key]} onInput={onInput} {...describedBy(id, undefined, error)} />
            )}
          </Field>
        );
      })}
    </>
  );
}
