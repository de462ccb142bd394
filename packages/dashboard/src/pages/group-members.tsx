/** A group's members: their state, epoch and the partitions each owns now, gives up, or waits for. */
import type { MemberView } from "../api/groups.js";

export function GroupMembers({ members }: { members: readonly MemberView[] }) {
  return (
    <section class="card">
      <h2>Members</h2>
      {members.length === 0 ? (
        <p class="muted" data-state="no-members">
          No members: the group is empty, so its offsets may be reset.
        </p>
      ) : (
        <table class="grid" data-rows={members.length}>
          <thead>
            <tr>
              <th>Member</th>
              <th>State</th>
              <th class="num">Epoch</th>
              <th>Assigned</th>
              <th>Revoking</th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.member_id} data-member={member.member_id}>
                <td class="mono" title={member.member_id}>
                  {member.instance_id ?? member.member_id.slice(0, 12)}
                </td>
                <td>
                  <span class={`badge ${member.state}`}>{member.state}</span>
                </td>
                <td class="num">{member.member_epoch}</td>
                <td>{partitions(member.assignment)}</td>
                <td class="muted">{partitions(member.revoking)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** `{"orders": [0, 1]}` as "orders 0, 1"; "—" for none. */
function partitions(byTopic: Readonly<Record<string, readonly number[]>>): string {
  const parts = Object.entries(byTopic)
    .filter(([, list]) => list.length > 0)
    .map(([topic, list]) => `${topic} ${list.join(", ")}`);
  return parts.length === 0 ? "—" : parts.join("; ");
}
