/** Copies a text to the clipboard and says so (to screen readers too). */
import { useState } from "preact/hooks";

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="copy"
      aria-label={label}
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? "Copied" : "Copy"}
      <span class="visually-hidden" role="status">
        {copied ? "Copied to the clipboard" : ""}
      </span>
    </button>
  );
}
