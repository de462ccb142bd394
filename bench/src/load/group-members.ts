/**
 * Consumer group members for the group benchmark: each joins, then heartbeats in a loop,
 * reporting what it was last given and long-polling (`wait_ms`) while nothing changes for it,
 * as a real consumer would. The group is settled when every partition is assigned, no member
 * waits for one, and every member is at the newest group epoch.
 */

export interface MemberState {
  memberId: string | undefined;
  epoch: number;
  groupEpoch: number;
  owned: number[];
  pending: number;
  stopped: boolean;
}

interface Reply {
  member_id: string;
  member_epoch: number;
  group_epoch: number;
  assignment: Record<string, Array<{ partition: number }>>;
  pending: Record<string, number[]>;
}

export class GroupDriver {
  readonly members: MemberState[] = [];
  private readonly loops: Array<Promise<void>> = [];
  private readonly listeners = new Set<() => void>();
  errors = 0;

  constructor(
    private readonly url: string,
    private readonly group: string,
    private readonly topic: string,
    private readonly partitions: number,
  ) {}

  /** Starts a member; its loop runs until it is stopped. */
  add(): MemberState {
    const member: MemberState = { memberId: undefined, epoch: 0, groupEpoch: 0, owned: [], pending: 0, stopped: false };
    this.members.push(member);
    this.loops.push(this.run(member));
    return member;
  }

  /** The member leaves now (its loop ends when its waiting heartbeat returns). */
  async leave(member: MemberState): Promise<void> {
    member.stopped = true;
    await this.heartbeat({ member_id: member.memberId, member_epoch: -1 });
    this.changed();
  }

  /** Resolves once the group is settled. */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.isSettled()) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.filter((m) => !m.stopped).map((m) => this.leave(m)));
    await Promise.all(this.loops);
  }

  /** Commits each member's partitions at `offsets` in a loop until `until`; the latencies of answered commits, in ms. */
  async commitLoop(offsets: readonly string[], until: number): Promise<{ latencies: number[]; offsets: number }> {
    const latencies: number[] = [];
    let committed = 0;
    await Promise.all(
      this.members
        .filter((m) => !m.stopped)
        .map(async (member) => {
          while (performance.now() < until) {
            const body = {
              member_id: member.memberId,
              member_epoch: member.epoch,
              offsets: member.owned.map((partition) => ({ topic: this.topic, partition, offset: offsets[partition] })),
            };
            const started = performance.now();
            const res = await fetch(`${this.url}/v1/stream/__ds/groups/${this.group}/commit`, json(body));
            await res.arrayBuffer();
            if (res.status !== 200) this.errors++;
            else {
              latencies.push(performance.now() - started);
              committed += member.owned.length;
            }
          }
        }),
    );
    return { latencies, offsets: committed };
  }

  private async run(member: MemberState): Promise<void> {
    let body: Record<string, unknown> = { member_epoch: 0, topics: [this.topic] };
    let query = "";
    while (!member.stopped) {
      const reply = await this.heartbeat(body, query);
      if (member.stopped) return;
      if (!reply) {
        this.errors++;
        return;
      }
      member.memberId = reply.member_id;
      member.epoch = reply.member_epoch;
      member.groupEpoch = reply.group_epoch;
      member.owned = (reply.assignment[this.topic] ?? []).map((p) => p.partition);
      member.pending = (reply.pending[this.topic] ?? []).length;
      this.changed();
      body = { member_id: member.memberId, member_epoch: member.epoch, owned: { [this.topic]: member.owned } };
      query = "?wait_ms=2000";
    }
  }

  private async heartbeat(body: Record<string, unknown>, query = ""): Promise<Reply | undefined> {
    const res = await fetch(`${this.url}/v1/stream/__ds/groups/${this.group}/heartbeat${query}`, json(body));
    if (res.status !== 200) {
      await res.arrayBuffer();
      return undefined;
    }
    return (await res.json()) as Reply;
  }

  private isSettled(): boolean {
    const active = this.members.filter((m) => !m.stopped);
    if (active.length === 0) return false;
    const newest = Math.max(...active.map((m) => m.groupEpoch));
    const assigned = new Set(active.flatMap((m) => m.owned));
    return assigned.size === this.partitions && active.every((m) => m.pending === 0 && m.epoch === newest);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function json(body: unknown): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
