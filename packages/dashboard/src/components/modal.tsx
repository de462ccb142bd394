/** A modal layer: the content in a dialog box over the page; a click outside or Escape closes it. */
import type { ComponentChildren } from "preact";

export function Modal({
  label,
  onClose,
  children,
}: {
  label: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside the dialog closes it; the keyboard has Escape and the dialog's buttons
    <div
      class="backdrop"
      role="presentation"
      onClick={(event) => event.target === event.currentTarget && onClose()}
      onKeyDown={(event) => event.key === "Escape" && onClose()}
    >
      <div class="dialog" role="dialog" aria-modal="true" aria-label={label}>
        {children}
      </div>
    </div>
  );
}
