/** A form's or dialog's buttons: the primary action (a submit, unless `onConfirm` is given) and Cancel. */
export interface FormActionsProps {
  label: string;
  onCancel: () => void;
  /** For a dialog without a form: what the primary button does. */
  onConfirm?: () => void;
  disabled?: boolean;
  danger?: boolean;
}

export function FormActions({ label, onCancel, onConfirm, disabled = false, danger = false }: FormActionsProps) {
  return (
    <div class="actions">
      <button type={onConfirm ? "button" : "submit"} class={danger ? "danger" : "primary"} disabled={disabled} onClick={onConfirm}>
        {label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
