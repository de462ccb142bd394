/** One figure on a card, with its label: the rows of figures atop the overview and detail pages. */
export function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="card stat">
      <span class="muted">{label}</span>
      <strong>{value}</strong>
    </div>
  );
}
