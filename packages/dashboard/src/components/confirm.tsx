/**
 * A confirmation for what cannot be undone (close, delete): a modal that names the stream,
 * takes focus, confirms with its button and cancels with Escape or a click outside.
 */
import { useEffect, useRef } from "preact/hooks";
import { Modal } from "./modal.js";

export interface ConfirmProps {
  readonly title: string;
  readonly body: string;
  readonly action: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

export function Confirm({ title, body, action, onConfirm, onCancel }: ConfirmProps) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onCancel();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <Modal label={title} onClose={onCancel}>
      <h2>{title}</h2>
      <p>{body}</p>
      <div class="actions">
        <button type="button" ref={cancel} onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" data-confirm onClick={onConfirm}>
          {action}
        </button>
      </div>
    </Modal>
  );
}
