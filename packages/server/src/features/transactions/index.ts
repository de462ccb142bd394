/**
 * Transactions (docs/kafka-layer.md): `POST {base}/__ds/transactions` appends to several
 * streams all or nothing, visible at once, with participants (consumer groups) adding their own
 * durable change to the same atomic write.
 */
import type { Feature } from "../../feature.js";
import { noObserver, TransactionMetrics } from "./metrics.js";
import { ParticipantRegistry, TRANSACTION_PARTICIPANTS } from "./participant.js";
import { transactionRoute } from "./route.js";
import { resolveTransactionSettings } from "./settings.js";

export const transactions: Feature = {
  name: "transactions",
  singleton: true,
  setup(host) {
    const { options } = host;
    const participants = new ParticipantRegistry();
    host.provide(TRANSACTION_PARTICIPANTS, participants);
    host.route(
      transactionRoute({
        basePath: options.basePath,
        maxPathBytes: options.maxPathBytes,
        maxMessageBytes: options.maxMessageBytes,
        settings: resolveTransactionSettings(options.transactions, options.maxBodyBytes),
        participants,
        observer: host.metrics ? new TransactionMetrics(host.metrics.registry) : noObserver,
        tracing: host.tracing,
      }),
    );
    host.capability("transactions", 1);
  },
};
