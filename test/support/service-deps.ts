import { createGatewayDirectory } from "../../shared/adapters/gateways/directory.js";
import { OutboxNotifier } from "../../shared/adapters/notify/index.js";
import { LocalSecretBox } from "../../shared/adapters/secrets/local-secret-box.js";
import { createLogger } from "../../shared/logger.js";
import type { Repositories } from "../../shared/ports/repositories.js";
import type { ServiceDeps } from "../../shared/services/caller.js";

/**
 * The services as a function runs them on `repos` with the clock stopped at `instant`: a silent
 * logger, no scheduler and no queue (both accept and drop), messages into an outbox, gateways with
 * a fresh local secret box. `overrides` replaces any of them (a queue that records, a shared outbox).
 */
export function serviceDepsAt(
  repos: Repositories,
  instant: Date | string | number,
  overrides: Partial<ServiceDeps> = {},
): ServiceDeps {
  const now = new Date(instant);
  return {
    repos,
    clock: { now: () => now },
    logger: createLogger({}, "silent"),
    scheduler: { upsert: async () => {}, remove: async () => {} },
    queue: { send: async () => {}, provision: async () => "" },
    notifier: new OutboxNotifier({ capacity: 100 }),
    payments: {
      gateways: createGatewayDirectory(),
      secrets: new LocalSecretBox(LocalSecretBox.generateKey()),
    },
    ...overrides,
  };
}
