import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { LocalCloud } from "../../shared/local/cloud.js";
import type { GatewayName } from "../../shared/ports/payment-gateway.js";
import { siteQueueName } from "../../shared/ports/queue.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { call, subscriberBody, type TenantWorld } from "./api.js";

/** A new subscriber of the world's package at its site, created through the service. */
export async function freshSubscriber(cloud: LocalCloud, world: TenantWorld): Promise<string> {
  const body = subscriberBody(world.packageId, world.siteId, world.nasId);
  return (await createSubscriber(cloud.deps, world.owner, body)).resource.id;
}

/** A subscriber's payments, newest first, as the API lists them. */
export async function paymentsOf(cloud: LocalCloud, world: TenantWorld, subscriberId: string) {
  const res = await call(cloud, "GET", `/v1/subscribers/${subscriberId}/payments`, {
    token: world.keys.readonly,
  });
  return res.json.items;
}

export function gatewaysOf(cloud: LocalCloud) {
  if (!cloud.gateways) throw new Error("the test cloud runs without gateway stand-ins");
  return cloud.gateways;
}

/** Configures a gateway for the world's tenant with the stand-in's credentials, through the API. */
export async function enableGateway(cloud: LocalCloud, world: TenantWorld, gateway: GatewayName) {
  const res = await call(cloud, "PUT", `/v1/gateways/${gateway}`, {
    token: world.keys.owner,
    body: { enabled: true, mode: "sandbox", credentials: gatewaysOf(cloud).credentials[gateway] },
  });
  if (res.status !== 200)
    throw new Error(`PUT gateway ${gateway}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

export async function createPayLink(cloud: LocalCloud, world: TenantWorld, subscriberId: string) {
  const res = await call(cloud, "POST", `/v1/subscribers/${subscriberId}/pay-links`, {
    token: world.keys.billing,
    body: { periods: 1 },
  });
  if (res.status !== 201) throw new Error(`pay link: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json as { url: string; amount: { amount: number; currency: string } };
}

export interface BrowserStep {
  readonly url: string;
  readonly status: number;
  readonly location?: string;
}

/**
 * What a payer's browser does after choosing a gateway on the pay page: POST the choice, then
 * follow redirects (ours to the gateway's hosted page, the gateway's back to our return URL).
 * `stopBefore` halts before fetching a URL that matches it (to replay or forge the return).
 */
export async function payThrough(
  payLinkUrl: string,
  gateway: GatewayName,
  options: { stopBefore?: RegExp } = {},
): Promise<{ steps: BrowserStep[]; page: string; pendingUrl?: string }> {
  const steps: BrowserStep[] = [];
  let res = await fetch(`${payLinkUrl}/${gateway}`, { method: "POST", redirect: "manual" });
  steps.push({
    url: `${payLinkUrl}/${gateway}`,
    status: res.status,
    location: res.headers.get("location") ?? "",
  });
  for (let hop = 0; hop < 6 && res.status >= 300 && res.status < 400; hop++) {
    const next = res.headers.get("location");
    if (!next) break;
    if (options.stopBefore?.test(next)) {
      await res.text();
      return { steps, page: "", pendingUrl: next };
    }
    await res.text();
    res = await fetch(next, { redirect: "manual" });
    steps.push({ url: next, status: res.status, location: res.headers.get("location") ?? "" });
  }
  return { steps, page: await res.text() };
}

/** Edge commands waiting in a site's queue (the test cloud runs no agent for test worlds); drains them. */
export async function drainSiteCommands(
  cloud: LocalCloud,
  world: TenantWorld,
): Promise<{ subscriberId: string; reason: string; desired: { state: string } }[]> {
  const sqs = new SQSClient({
    endpoint: cloud.sqsEndpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const url = `${cloud.sqsEndpoint}/000000000000/${siteQueueName("isp-local", world.tenantId, world.siteId)}`;
  const out: { subscriberId: string; reason: string; desired: { state: string } }[] = [];
  for (let empty = 0; empty < 2; ) {
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
      }),
    );
    const messages = got.Messages ?? [];
    if (messages.length === 0) {
      empty++;
      // Commands are sent with a delay of up to a second when they are due now.
      await new Promise((r) => setTimeout(r, 1100));
      continue;
    }
    for (const m of messages) out.push(JSON.parse(m.Body ?? "{}"));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
      }),
    );
  }
  sqs.destroy();
  return out;
}

export async function timelineTypes(
  cloud: LocalCloud,
  world: TenantWorld,
  subscriberId: string,
): Promise<string[]> {
  const res = await call(cloud, "GET", `/v1/subscribers/${subscriberId}/timeline?limit=100`, {
    token: world.keys.readonly,
  });
  return res.json.items.map((e: { type: string }) => e.type);
}

/** Deps whose clock runs `ms` ahead: the pending sweep sees checks that are not due yet. */
export function later(deps: ServiceDeps, ms: number): ServiceDeps {
  return { ...deps, clock: { now: () => new Date(Date.now() + ms) } };
}
