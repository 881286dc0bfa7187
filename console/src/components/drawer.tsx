/**
 * A side panel over the page (a modal <dialog>, so focus stays inside it and
 * Escape closes it). Its content unmounts on close, taking any typed value with it.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export interface DrawerProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  kind?: "drawer" | "dialog";
}

export function Drawer({ title, onClose, children, kind = "drawer" }: DrawerProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = `${kind}-title`;
  useEffect(() => {
    const dialog = ref.current!;
    dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      onClose();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      dialog.close();
    };
  }, []);
  return (
    <dialog ref={ref} class={kind} aria-labelledby={titleId}>
      <header>
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="close" onClick={onClose} aria-label={`Close ${title}`}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}
