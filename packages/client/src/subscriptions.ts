/**
 * `@rivulet/client/subscriptions`: subscriptions (PROTOCOL §6–7) — managing them, a webhook
 * receiver that verifies signed wakes, and a pull-wake worker. A layer on top of the stream
 * client in its own entry point: code that only reads and writes streams does not carry it.
 */
export type { PullWakeConfig, SubscriptionConfig, WebhookConfig } from "./subscriptions/config.js";
export {
  AlreadyClaimedError,
  WebhookRejectedError,
  type WebhookRejection,
} from "./subscriptions/errors.js";
export { PullWakeWorker, startWorker } from "./subscriptions/pull-wake-worker.js";
export type {
  BackgroundContext,
  FastifyLike,
  FastifyReplyLike,
  FastifyRequestLike,
  HeaderSource,
  NodeRequestLike,
  NodeResponseLike,
  WebhookAnswer,
  WebhookRequest,
} from "./subscriptions/receiver-adapters.js";
export {
  type Ack,
  type AckOptions,
  type CreateSubscriptionResult,
  type ListOptions,
  SubscriptionsClient,
  type SubscriptionsOptions,
  subscriptions,
  type WakeLease,
} from "./subscriptions/subscriptions-client.js";
export type { Wake, WakeHandler, WakeReadOptions } from "./subscriptions/wake.js";
export {
  type ReceiverErrorPhase,
  WebhookReceiver,
  type WebhookReceiverOptions,
  webhookReceiver,
} from "./subscriptions/webhook-receiver.js";
export type {
  LinkedStream,
  LinkType,
  SigningInfo,
  SubscriptionInfo,
  SubscriptionPage,
  SubscriptionSummary,
  SubscriptionType,
  WakeClaim,
  WakeStream,
  WebhookDelivery,
} from "./subscriptions/wire.js";
export type { PullWakeWorkerOptions, WorkerEvent, WorkerPhase } from "./subscriptions/worker-options.js";
