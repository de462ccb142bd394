import { onLinkClick } from "../lib/navigation.js";

export function NotFound() {
  return (
    <div class="state empty" data-state="not-found">
      <h1>No such page</h1>
      <p>
        <a href="/ui" onClick={(event) => onLinkClick(event, "/ui")}>
          Back to the overview
        </a>
      </p>
    </div>
  );
}
