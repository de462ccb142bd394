/**
 * Pages whose server APIs are still being built: topics and consumer groups, subscriptions.
 * Each says what it will show. Building one is a new file under pages/ with its data module
 * under api/ (a `getJson` call and a `usePoll` for live figures, like streams and metrics).
 */
const PLANNED = {
  topics: {
    title: "Topics",
    text: "Topics with their partitions: size and message rate per partition, and the streams behind them.",
  },
  groups: {
    title: "Consumer groups",
    text: "Groups with their members and partition assignment, lag per partition as a chart over time, and resetting offsets (with confirmation, refused while members are active).",
  },
  subscriptions: {
    title: "Subscriptions",
    text: "Subscriptions with their state, pending work, recent deliveries and failures, and when each retries.",
  },
} as const;

export function Coming({ page }: { page: keyof typeof PLANNED }) {
  const { title, text } = PLANNED[page];
  return (
    <>
      <h1>{title}</h1>
      <div class="state empty" data-state="coming">
        <h3>Not on this server yet</h3>
        <p>{text}</p>
        <p class="muted">This page appears once the server offers the API it reads.</p>
      </div>
    </>
  );
}
