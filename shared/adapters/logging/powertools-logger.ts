import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { type Logger, redact } from "../../logger.js";

/*
 * The functions' logger: our Logger port on top of Powertools for AWS Lambda's Logger, so every
 * line is the structured JSON CloudWatch Logs Insights and Lambda's advanced logging controls expect
 * (level, service, timestamp, the X-Ray trace id, POWERTOOLS_LOG_LEVEL / AWS_LAMBDA_LOG_LEVEL
 * honoured), with the tenant, subscriber, command and request ids the callers pass as keys. Keys
 * that look secret are redacted before Powertools sees them, as with the plain logger.
 */

const LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
  silent: "SILENT",
};

export interface PowertoolsLoggerOptions {
  readonly service: string;
  /** Keys on every line (ids, never payloads). */
  readonly keys?: Record<string, unknown>;
  /** LOG_LEVEL's words (debug, info, warn, error, silent); Lambda's own level variables win. */
  readonly level?: string;
}

export function createPowertoolsLogger(options: PowertoolsLoggerOptions): Logger {
  const level = LEVELS[(options.level ?? process.env.LOG_LEVEL ?? "info").toLowerCase()] ?? "INFO";
  return wrap(
    new PowertoolsLogger({
      serviceName: options.service,
      logLevel: level,
      persistentKeys: redact(options.keys ?? {}),
    }),
  );
}

/**
 * A child adds its keys to each line itself rather than through Powertools' createChild, which
 * builds a whole new Logger (console, environment reads) per call: the API makes a child per request.
 */
function wrap(logger: PowertoolsLogger, keys: Record<string, unknown> = {}): Logger {
  const line = (fields: Record<string, unknown> | undefined) =>
    fields ? { ...keys, ...redact(fields) } : keys;
  return {
    debug: (message, fields) => logger.debug(message, line(fields)),
    info: (message, fields) => logger.info(message, line(fields)),
    warn: (message, fields) => logger.warn(message, line(fields)),
    error: (message, fields) => logger.error(message, line(fields)),
    child: (fields) => wrap(logger, { ...keys, ...redact(fields) }),
  };
}
