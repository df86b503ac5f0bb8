import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { OutboundEvent } from "../../domain/schemas/outbound-event.js";
import type { EventPublisher } from "../../ports/outbound-events.js";
import { EVENT_SOURCE } from "./eventbridge-publisher.js";

/**
 * The local cloud's stand-in for the EventBridge bus: each event appended to a JSON-lines file as
 * the entry PutEvents would carry (source, detail-type, detail), so `tail -f` shows the bus.
 */
export class FileEventPublisher implements EventPublisher {
  constructor(private readonly file: string) {}

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    if (events.length === 0) return;
    await mkdir(dirname(this.file), { recursive: true });
    const lines = events.map((e) =>
      JSON.stringify({ source: EVENT_SOURCE, "detail-type": e.type, time: e.occurredAt, detail: e }),
    );
    await appendFile(this.file, `${lines.join("\n")}\n`, { mode: 0o600 });
  }
}
