export * from "./attributes.js";
export { RadiusDaClient, type RequestOptions } from "./client.js";
export * from "./error-cause.js";
export * from "./errors.js";
export {
  DEFAULT_DAC_PORT,
  type RadiusDaClientOptions,
  type RadiusLogger,
  type RadiusTarget,
} from "./options.js";
export {
  type AckCode,
  CODE_NAMES,
  encodeRequest,
  type NakCode,
  type ParsedPacket,
  parsePacket,
  RadiusCode,
  type RequestCode,
  replyCodes,
  verifyReply,
} from "./packet.js";
export type { AuthorizationChange, RequestExtras, SessionIdentification } from "./requests.js";
export type { DaAck, DaNak, DaResult } from "./result.js";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
