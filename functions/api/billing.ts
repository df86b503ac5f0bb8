import { TelegramBotApi } from "../../shared/adapters/notify/telegram-bot-api.js";
import { createApiHandler } from "../../shared/http/api-handler.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { functionDeps } from "../deps.js";
import { billingOperations } from "./operations/billing.js";

let deps: ServiceDeps | undefined;

/** The shared adapters, plus the Telegram Bot API for the daily summary's "send now". */
export function billingDeps(): ServiceDeps {
  deps ??= {
    ...functionDeps(),
    telegram: new TelegramBotApi(
      process.env.TELEGRAM_API_URL ? { baseUrl: process.env.TELEGRAM_API_URL } : {},
    ),
  };
  return deps;
}

export const handler = createApiHandler(billingOperations, { deps: billingDeps });
