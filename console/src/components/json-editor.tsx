/**
 * The JSON value editor: a plain text area (the text is sent exactly as
 * typed, never re-formatted), checked as you type with the service's rule
 * (a JSON object); the error says where parsing stopped.
 */
import { describedBy, Field } from "./field.js";

export interface JsonEditorProps {
  text: string;
  onChange: (text: string) => void;
  /** The rule's verdict on the current text (from the kernel), if any. */
  error: string | undefined;
}

export function JsonEditor({ text, onChange, error }: JsonEditorProps) {
  const shown = text === "" ? undefined : error && `${error}${where(text)}`;
  const hint = "A JSON object, e.g. a service-account file. Kept exactly as written.";
  return (
    <Field id="value-json" label="JSON value" hint={hint} error={shown}>
      <textarea
        class="code"
        rows={10}
        spellcheck={false}
        autocomplete="off"
        value={text}
        onInput={(event) => onChange((event.target as HTMLTextAreaElement).value)}
        {...describedBy("value-json", hint, shown)}
      />
    </Field>
  );
}

/** Line and column where JSON.parse gave up, without echoing the text. */
function where(text: string): string {
  try {
    JSON.parse(text);
    return "";
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message));
    if (!position) return "";
    const before = text.slice(0, Number(position[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    return ` (line ${line}, column ${column})`;
  }
}
