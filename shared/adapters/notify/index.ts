export { ChannelRouter } from "./channel-router.js";
export { type HttpSmsGatewayConfig, HttpSmsGatewayConfigSchema } from "./http-gateway-config.js";
export { HttpSmsGatewayNotifier } from "./http-sms-gateway.js";
export { type OutboxEntry, OutboxNotifier, type OutboxNotifierOptions } from "./outbox.js";
export { toE164 } from "./phone.js";
export { isRetryableSdkError } from "./sdk-errors.js";
export { SesEmailNotifier, type SesEmailOptions } from "./ses-email.js";
export { SnsSmsNotifier, type SnsSmsOptions } from "./sns-sms.js";
