/** The edge agent's public surface: what the local cloud, the bench and the cloud's results Lambda use. */
export {
  AGENT_VERSION,
  Agent,
  type AgentEvents,
  type AgentLogger,
  type AgentOptions,
  type AgentTuning,
  type AgentTuningInput,
  AgentTuningSchema,
  parseCommand,
  tuningFromEnvironment,
  tuningVariable,
} from "./agent.js";
export { type AgentConfig, AgentConfigError, loadConfig, parseConfig, redacted } from "./config.js";
export {
  type ConsumerEvents,
  type ConsumerOptions,
  type ConsumerSettings,
  ConsumerSettingsSchema,
  classifySqsError,
  type Disposition,
  type HandlerContext,
  type MessageHandler,
  type PauseReason,
  QueueConsumer,
  QueueConsumerError,
  type ReceivedMessage,
  type SqsOperation,
} from "./consumer.js";
export { type DoctorCheck, type DoctorOptions, formatChecks, runDoctor } from "./doctor.js";
export { type EnforcementResult, Enforcer, type EnforcerOptions } from "./enforcer.js";
export {
  type ActiveSession,
  ActiveSessionSchema,
  type AgentEvent,
  AgentEventSchema,
  type AgentEventType,
  type HeartbeatEvent,
  HeartbeatEventSchema,
  type NasHealth,
  NasHealthSchema,
  type RejectedEvent,
  RejectedEventSchema,
  type ResultEvent,
  ResultEventSchema,
  type SessionsEvent,
  SessionsEventSchema,
} from "./events.js";
export {
  AgentMetrics,
  Counter,
  Gauge,
  Histogram,
  type MetricsServer,
  Registry,
  serveMetrics,
} from "./metrics.js";
export { Reporter, ReporterError, type ReporterEvents, type ReporterOptions } from "./reporter.js";
export { createSessionLister, type SessionLister } from "./sessions.js";
