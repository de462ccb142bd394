/**
 * A transaction participant for tests, built the way the consumer groups' offset commit is: a
 * versioned account balance per key, kept in a state log, changed only inside a transaction.
 * Its part `{"account","expect","amount"}` is fenced by the account's version (as a group
 * commit is by the member epoch): a stale `expect` refuses the transaction with FENCED.
 */
import { ProtocolError } from "@rivulet/protocol";
import { type Feature, TRANSACTION_PARTICIPANTS, type TransactionParticipant } from "@rivulet/server";
import { StateLog, type StateLogOwner } from "../../src/features/state-log/state-log.js";

export interface Account {
  readonly account: string;
  readonly version: number;
  readonly balance: number;
}

export class Ledger implements StateLogOwner<Account> {
  readonly accounts = new Map<string, Account>();
  /** How many prepared parts were settled each way (to check none is left hanging). */
  committed = 0;
  aborted = 0;
  private readonly locks = new Map<string, Promise<void>>();

  replay(entry: Account): void {
    this.accounts.set(entry.account, entry);
  }

  *snapshot(): Iterable<Account> {
    yield* this.accounts.values();
  }

  get(account: string): Account {
    return this.accounts.get(account) ?? { account, version: 0, balance: 0 };
  }

  /** Waits for the account's lock; resolves with its release. */
  async lock(account: string): Promise<() => void> {
    const previous = this.locks.get(account) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.locks.set(account, tail);
    await previous;
    return () => {
      if (this.locks.get(account) === tail) this.locks.delete(account);
      release();
    };
  }
}

function readPart(part: unknown): { account: string; expect: number; amount: number } {
  const fields = (typeof part === "object" && part !== null ? part : {}) as Record<string, unknown>;
  const { account, expect, amount } = fields;
  if (
    typeof account !== "string" ||
    !/^[a-z0-9-]+$/.test(account) ||
    !Number.isInteger(expect) ||
    !Number.isInteger(amount)
  ) {
    throw new ProtocolError("INVALID_TRANSACTION", "a ledger part is {account, expect, amount}");
  }
  return { account, expect: expect as number, amount: amount as number };
}

export function ledgerFeature(ledger: Ledger): Feature {
  return {
    name: "ledger",
    setup(host) {
      const base = host.options.basePath;
      const log = new StateLog<Account>({
        engine: host.engine,
        root: `${base}/__ds/state/ledger`,
        compactAfterRecords: 20,
      });
      const participant: TransactionParticipant = {
        field: "ledger",
        demands: (part) => [{ scope: "write", path: `${base}/__ds/ledger/${readPart(part).account}` }],
        async prepare(part) {
          const { account, expect, amount } = readPart(part);
          const release = await ledger.lock(account);
          try {
            const current = ledger.get(account);
            if (current.version !== expect) {
              throw new ProtocolError("FENCED", `account ${account} is at version ${current.version}, not ${expect}`);
            }
            const next: Account = { account, version: current.version + 1, balance: current.balance + amount };
            const staged = await log.stage([next]);
            return {
              appends: [{ path: staged.path, body: staged.body }],
              committed() {
                ledger.accounts.set(account, next);
                ledger.committed++;
                staged.settle(true);
                release();
                return next;
              },
              aborted() {
                ledger.aborted++;
                staged.settle(false);
                release();
              },
            };
          } catch (error) {
            release();
            throw error;
          }
        },
      };
      host.onOpen(async () => {
        await log.open(ledger);
        host.lookup(TRANSACTION_PARTICIPANTS)!.register(participant);
      });
      host.onClose(() => log.close());
    },
  };
}
