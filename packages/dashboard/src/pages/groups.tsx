/**
 * Consumer groups (docs/kafka-layer.md): every group in id order, a page of 100 at a time,
 * with its state, members, epoch and assignor; each opens its own page. Refreshed every five
 * seconds.
 */
import { listGroups } from "../api/groups.js";
import { usePolled } from "../api/use-polled.js";
import { Link, Pager, useRowKeys } from "../components/rows.js";
import { Empty, Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { detailHref } from "../lib/routes.js";

const REFRESH_MS = 5000;

export function Groups({ search }: { search: URLSearchParams }) {
  const { basePath } = useConfig();
  const after = search.get("after") ?? undefined;
  const { data, failure, reload } = usePolled(() => listGroups(basePath, after), REFRESH_MS, after);
  const rows = data?.groups ?? [];
  const selected = useRowKeys(rows.length, (row) => rows[row] && detailHref("groups", rows[row].group));
  return (
    <>
      <h1>Consumer groups</h1>
      {failure !== undefined && <Failed error={failure} retry={reload} />}
      {data === undefined && failure === undefined && <Loading what="groups" />}
      {data !== undefined && rows.length === 0 && (
        <Empty title="No consumer groups yet">
          <p>
            A group comes to be with its first member's heartbeat (
            <code>POST {basePath}/__ds/groups/&lt;group&gt;/heartbeat</code>), commit or reset.
          </p>
        </Empty>
      )}
      {rows.length > 0 && (
        <table class="grid" data-rows={rows.length}>
          <thead>
            <tr>
              <th>Group</th>
              <th>State</th>
              <th class="num">Members</th>
              <th class="num">Epoch</th>
              <th>Assignor</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((group, row) => (
              <tr key={group.group} class={row === selected ? "selected" : undefined} aria-selected={row === selected}>
                <td>
                  <Link href={detailHref("groups", group.group)}>{group.group}</Link>
                </td>
                <td>
                  <span class={`badge ${group.state}`}>{group.state}</span>
                </td>
                <td class="num">{group.member_count}</td>
                <td class="num">{group.group_epoch}</td>
                <td class="muted">{group.assignor}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data !== undefined && <Pager base="/ui/groups" after={after} next={data.next} />}
    </>
  );
}
