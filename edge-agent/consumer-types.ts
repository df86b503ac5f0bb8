import type { SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod";
import type { PauseReason, QueueConsumerError } from "./sqs-errors.js";

/* The consumer's public contract: what a handler receives and returns, its events and settings. */

export interface ReceivedMessage {
  readonly id: string;
  readonly body: string;
  readonly receiptHandle: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  /** SentTimestamp (epoch ms), when SQS gave it. */
  readonly sentAt: number | undefined;
  readonly receivedAt: number;
}

export interface HandlerContext {
  /** Aborted on timeout, on stop({ abort: true }) and when a graceful stop runs out of time. */
  readonly signal: AbortSignal;
  /** Aborted when a graceful stop begins: work that has not started yet should give the message back. */
  readonly draining: AbortSignal;
  /** This delivery reached `maxReceiveCount`: retrying is pointless, report and delete. */
  readonly lastAttempt: boolean;
  /**
   * The handler will wait until `at` (epoch ms, e.g. a command's notBefore) before it works: the
   * timeout counts from `at`, and until then the message holds no concurrency slot (it counts
   * against `maxWaiting` instead), so commands parked for later never starve due ones.
   */
  deferUntil(at: number): void;
}

export type Disposition =
  /**
   * DeleteMessage, once `after` (if given) has settled. The concurrency slot is free as soon as the
   * handler returns; `after` must settle in bounded time (the agent waits for its result report).
   */
  | { readonly action: "delete"; readonly after?: Promise<unknown> }
  /** ChangeMessageVisibility: the message comes back after this many seconds (0 = at once). */
  | { readonly action: "release"; readonly afterSeconds: number }
  /** Do nothing: the visibility timeout runs out and SQS delivers it again. */
  | { readonly action: "leave" };

export type MessageHandler = (message: ReceivedMessage, context: HandlerContext) => Promise<Disposition>;

export interface ConsumerEvents {
  started: [];
  stopped: [];
  empty: [];
  message_received: [message: ReceivedMessage];
  message_processed: [message: ReceivedMessage, disposition: Disposition];
  processing_error: [error: QueueConsumerError, message: ReceivedMessage];
  timeout_error: [error: QueueConsumerError, message: ReceivedMessage];
  /** The last allowed delivery failed in the handler; the message was deleted. */
  gave_up: [message: ReceivedMessage, error: QueueConsumerError];
  /** An SQS call failed (the poll, a delete, a visibility change). */
  sqs_error: [error: QueueConsumerError];
  /** Polling pauses after a failed receive. */
  paused: [info: { readonly reason: PauseReason; readonly ms: number }];
}

const Seconds = (max: number) => z.number().int().min(0).max(max);
const Ms = z.number().int().min(0).max(86_400_000);

export const ConsumerSettingsSchema = z
  .strictObject({
    /** Long-poll wait per ReceiveMessage. @default 20 */
    waitTimeSeconds: Seconds(20).default(20),
    /** Messages per ReceiveMessage. @default 10 */
    batchSize: z.number().int().min(1).max(10).default(10),
    /** Messages handled at once. @default 64 */
    concurrency: z.number().int().min(1).max(10_000).default(64),
    /**
     * Receives in flight at once while the queue keeps returning full batches (a burst); one while
     * it is quiet. @default 8
     */
    maxPollers: z.number().int().min(1).max(64).default(8),
    /** Messages parked by `deferUntil` at once, on top of `concurrency`. @default 1000 */
    maxWaiting: z.number().int().min(0).max(100_000).default(1_000),
    /** Asked for on every receive and renewed by the heartbeat. @default 60 */
    visibilityTimeoutSeconds: Seconds(43_200).min(1).default(60),
    /** How often running messages get their visibility renewed; 0 turns it off. @default 20 */
    heartbeatSeconds: Seconds(43_199).default(20),
    /** Per-message timeout; a handler can make it count from a later instant. @default 300000 */
    handlerTimeoutMs: Ms.min(1).default(300_000),
    /** Deliveries after which a failing message is given up (reported and deleted). @default 8 */
    maxReceiveCount: z.number().int().min(1).max(1000).default(8),
    /** Release delay after a handler error: base doubling per delivery, capped. */
    errorBackoffSeconds: Seconds(43_200).default(5),
    maxErrorBackoffSeconds: Seconds(43_200).default(300),
    /** A graceful stop waits this long for running handlers, then aborts them. @default 60000 */
    drainTimeoutMs: Ms.default(60_000),
    /** Bound on each SDK call other than the long poll (which gets wait + this). @default 15000 */
    callTimeoutMs: Ms.min(1).default(15_000),
    /** First pause after a credential error / a network error / anything else; doubles per failure. */
    credentialsPauseMs: Ms.default(10_000),
    networkPauseMs: Ms.default(1_000),
    otherPauseMs: Ms.default(1_000),
    maxPauseMs: Ms.default(60_000),
    /** How long deletes and visibility changes wait to fill a batch of 10. @default 5 */
    batchFlushMs: Ms.max(1_000).default(5),
  })
  .refine((s) => s.heartbeatSeconds < s.visibilityTimeoutSeconds, {
    path: ["heartbeatSeconds"],
    message: "must be shorter than visibilityTimeoutSeconds",
  });
export type ConsumerSettings = z.infer<typeof ConsumerSettingsSchema>;

export interface ConsumerOptions extends z.input<typeof ConsumerSettingsSchema> {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly handleMessage: MessageHandler;
  /** @default Math.random, for the pause jitter */
  readonly random?: () => number;
}
