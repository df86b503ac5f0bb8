import { join } from "node:path";
import { startLocalCloud } from "./cloud.js";
import { DynamoDbLocalError, PROJECT_ROOT } from "./dynamodb-local.js";

/**
 * `npm start`: the whole system on this machine. Settings (all optional):
 *   PORT (3000), HOST (127.0.0.1), ISP_DATA_DIR (.data; "memory" keeps nothing), CORS_ALLOWED_ORIGINS.
 */
async function main() {
  // This machine's Node 20 is supported here; Lambda runs Node 22+. Keep the SDK's notice out of the demo output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const started = Date.now();
  const dataSetting = process.env.ISP_DATA_DIR ?? join(PROJECT_ROOT, ".data");
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a TCP port number, got "${process.env.PORT}"`);
  const cloud = await startLocalCloud({
    dataDir: dataSetting === "memory" ? undefined : dataSetting,
    port,
    host: process.env.HOST ?? "127.0.0.1",
  });
  const demo = cloud.demo;
  const lines = [
    "",
    `Local cloud ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `  API:            ${cloud.url}/v1  (OpenAPI: ${cloud.url}/v1/openapi.json)`,
    `  DynamoDB Local: ${cloud.dynamoEndpoint}  table ${cloud.tableName}`,
    `  Data:           ${dataSetting === "memory" ? "in memory" : dataSetting}`,
    `  Site:           edge agent + simulated MikroTik (API, RADIUS) for the demo site`,
    `  SMS / e-mail:   written to ${dataSetting === "memory" ? "memory" : join(dataSetting, "outbox.jsonl")}`,
    ...(cloud.outbound
      ? [`  Events (bus):   appended to ${cloud.outbound.eventsFile}; webhooks on 127.0.0.1 allowed`]
      : []),
  ];
  if (demo) {
    lines.push(
      `  Demo tenant:    ${demo.tenantId}`,
      `  Demo owner key: ${demo.ownerToken}`,
      "",
      "Try:",
      `  export ISP_KEY='${demo.ownerToken}'`,
      `  curl -s ${cloud.url}/v1/subscribers -H "Authorization: Bearer $ISP_KEY"`,
    );
  }
  lines.push("", "Press Ctrl+C to stop.", "");
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    await cloud.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  const message =
    error instanceof DynamoDbLocalError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`npm start failed: ${message}\n`);
  process.exit(1);
});
