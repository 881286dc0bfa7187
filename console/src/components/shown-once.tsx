/** A credential shown once, with a copy button; "Done" removes it from the page for good. */
import type { ComponentChildren } from "preact";
import { CopyButton } from "./copy-button.js";

export interface ShownOnceProps {
  title: string;
  value: string;
  onDone: () => void;
  children: ComponentChildren;
}

export function ShownOnce({ title, value, onDone, children }: ShownOnceProps) {
  return (
    <section class="panel shown-once" aria-label={title}>
      <h2>{title}</h2>
      <p>{children}</p>
      <p>
        <code class="secret-once">{value}</code> <CopyButton text={value} label={`Copy the ${title.toLowerCase()}`} />
      </p>
      <button type="button" class="primary" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}
