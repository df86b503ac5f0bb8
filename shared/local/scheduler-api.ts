import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as z from "zod";
import type { LocalSubscriberScheduler } from "../adapters/scheduler/local-scheduler.js";
import type { ScheduledFire } from "../ports/scheduler.js";

/**
 * The slice of the EventBridge Scheduler API (REST-JSON) that the EventBridge adapter uses, served
 * from the local scheduler, so `npm start` runs the same adapter code as AWS: CreateSchedule (POST),
 * UpdateSchedule (PUT), DeleteSchedule (DELETE) and GetSchedule (GET) on /schedules/{Name}.
 */
const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

const FireSchema = z.object({
  tenantId: z.string().min(1),
  subscriberId: z.string().min(1),
  kind: z.string().min(1),
  dueAt: z.string().min(1),
  version: z.number().int(),
  data: z.record(z.string(), z.unknown()).optional(),
  packageId: z.string().min(1).optional(),
});

const ScheduleBodySchema = z.object({
  ScheduleExpression: z
    .string()
    .regex(AT, "only one-time at(yyyy-mm-ddThh:mm:ss) schedules are supported locally"),
  ScheduleExpressionTimezone: z.literal("UTC").optional(),
  FlexibleTimeWindow: z.object({ Mode: z.literal("OFF") }),
  Target: z.object({ Arn: z.string().min(1), RoleArn: z.string().min(1), Input: z.string().min(2) }).loose(),
  GroupName: z.string().optional(),
  ActionAfterCompletion: z.literal("DELETE").optional(),
});

export interface LocalSchedulerApi {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalSchedulerApi(
  scheduler: LocalSubscriberScheduler,
  port = 0,
): Promise<LocalSchedulerApi> {
  const server: Server = createServer((req, res) => {
    handle(scheduler, req, res).catch((error: unknown) =>
      fail(res, 500, "InternalServerException", String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function handle(scheduler: LocalSubscriberScheduler, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
  if (!match?.[1]) return fail(res, 404, "ResourceNotFoundException", `No route ${url.pathname}`);
  const name = decodeURIComponent(match[1]);
  const existing = scheduler.get(name);
  switch (req.method) {
    case "GET":
      if (!existing) return fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
      return ok(res, {
        Name: name,
        ScheduleExpression: atOf(existing.fireAt),
        Target: { Input: JSON.stringify(existing.fire) },
      });
    case "DELETE":
      if (!existing) return fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
      await scheduler.remove(existing.fire.tenantId, existing.fire.subscriberId);
      return ok(res, {});
    case "POST":
    case "PUT": {
      if (req.method === "POST" && existing)
        return fail(res, 409, "ConflictException", `Schedule ${name} already exists.`);
      if (req.method === "PUT" && !existing)
        return fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
      const body = ScheduleBodySchema.safeParse(await readJson(req));
      if (!body.success)
        return fail(res, 400, "ValidationException", body.error.issues.map((i) => i.message).join("; "));
      const fire = FireSchema.safeParse(JSON.parse(body.data.Target.Input));
      if (!fire.success) return fail(res, 400, "ValidationException", "Target.Input is not a scheduled fire");
      const at = AT.exec(body.data.ScheduleExpression)?.[1] ?? "";
      await scheduler.upsert(new Date(`${at}Z`), fire.data as ScheduledFire);
      return ok(res, {
        ScheduleArn: `arn:aws:scheduler:local:000000000000:schedule/${body.data.GroupName ?? "default"}/${name}`,
      });
    }
    default:
      return fail(res, 405, "ValidationException", `${req.method} is not supported`);
  }
}

function atOf(date: Date): string {
  return `at(${date.toISOString().slice(0, 19)})`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

function ok(res: ServerResponse, body: unknown) {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
  res.end(JSON.stringify({ __type: type, Message: message }));
}
