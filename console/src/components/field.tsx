/** A labelled control with its hint and its error, tied together for screen readers. */
import type { ComponentChildren } from "preact";

export interface FieldProps {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: ComponentChildren;
}

export function Field({ id, label, hint, error, children }: FieldProps) {
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The aria attributes an input inside a Field needs. */
export function describedBy(id: string, hint: string | undefined, error: string | undefined) {
  const ids = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? ("true" as const) : undefined, "aria-describedby": ids || undefined };
}

export function ProblemBanner({ message }: { message: string | undefined }) {
  return message ? (
    <p class="banner error" role="alert">
      {message}
    </p>
  ) : null;
}
