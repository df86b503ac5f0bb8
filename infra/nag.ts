import { type App, Stack, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
// cdk-nag's own flattening, so an acknowledgement matches the finding id the IAM5 rule computes.
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";
import type { AdminApi } from "./constructs/admin-api.js";

/**
 * Runs the AwsSolutions pack on every stack at synth time. cdk-nag 3 is a CDK policy-validation
 * plugin (not an Aspect as in v2): an unacknowledged error fails `cdk synth`, and the full report is
 * written to `cdk.out/validation-report.json`.
 */
export function addAwsSolutionsChecks(app: App): AwsSolutionsChecks {
  // Acknowledgements are also written into each resource's template Metadata (`cdk_nag`), so the
  // reasons travel with the deployed template for audit.
  const pack = new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true });
  Validations.of(app).addPlugins(pack);
  return pack;
}

/**
 * The only routes allowed to skip the authorizer, each with the reason it may. A route marked
 * `public` in the catalog but missing here keeps its AwsSolutions-APIG4 error and fails synth,
 * so opening a new unauthenticated route needs a written reason in this list.
 */
export const PUBLIC_ROUTE_REASONS: Readonly<Record<string, string>> = {
  "GET /v1/health":
    "Liveness probe for load balancers and uptime checks: returns a constant status and version, reads no tenant data, and is throttled per route.",
  "GET /v1/openapi.json":
    "The published OpenAPI document, meant for anyone building a client: it is generated from the route schemas, reads no tenant data, and is throttled per route.",
  "POST /v1/agent/enroll":
    "An edge agent has no API key before it enrolls: the one-time enrollment code in the body is the credential (128 random bits, stored hashed, expires in 30 minutes, redeemed once by a conditional write). Throttled per route.",
  "POST /v1/agent/credentials":
    "Authenticated in the handler by the agent token (256 random bits, stored hashed, checked against the site's current generation on every call, so a revoked agent is refused at once); the API-key authorizer cannot read agent tokens. Throttled per route.",
  "GET /v1/pay/{token}":
    "The subscriber's hosted pay page: the payer has no API key, the pay link's token is the credential (192 random bits, stored hashed, expiring, scoped to one subscriber and tenant). It shows only what that subscriber owes and the ISP's enabled gateways. Throttled per route.",
  "POST /v1/pay/{token}/{gateway}":
    "Starts a checkout from the pay page: authenticated by the same pay link token as GET /v1/pay/{token}; it records a pending payment and redirects the payer to the gateway, and settles nothing. Throttled per route.",
  "GET /v1/pay/return/{gateway}/{tenantId}/{paymentId}":
    "Where the gateway sends the payer's browser back; nothing in the request is trusted: the payment must be ours and pending for this gateway's checkout, and it settles only on the gateway's own server-to-server answer (execute, query, validation or verify). Throttled per route.",
  "POST /v1/pay/return/{gateway}/{tenantId}/{paymentId}":
    "The POST form of the gateway's browser return (SSLCommerz posts back): as for the GET return, it settles only on the gateway's server-to-server answer, never on the request itself. Throttled per route.",
  "GET /v1/bill/{token}":
    "The invoice page a subscriber opens from the link in an SMS or e-mail: the subscriber has no API key, the invoice link's token is the credential (192 random bits, stored hashed, expiring, scoped to one invoice of one tenant). It shows that invoice and the ISP's branding, read only, with no referrer and no caching. Throttled per route.",
  "GET /v1/bill/{token}/pdf":
    "The same invoice as a PDF, authenticated by the same invoice link token as GET /v1/bill/{token}; read only. Throttled per route.",
  "POST /v1/webhooks/{gateway}/{tenantId}":
    "Gateway webhooks and IPNs: gateways cannot send our API keys. Authenticated by the gateway's signature (Razorpay HMAC-SHA256, SSLCommerz verify_sign) and then a server-to-server verification call before anything settles; event ids are de-duplicated and the gateway transaction id is the settlement's idempotency key. Throttled per route (a throttled gateway retries, and the payment sweep re-queries pending payments meanwhile).",
};

/** Acknowledges AwsSolutions-APIG4 on the public routes listed above, and on nothing else. */
export function acknowledgePublicRoutes(api: AdminApi): void {
  for (const [key, route] of api.publicRoutes) {
    const reason = PUBLIC_ROUTE_REASONS[key];
    if (reason) Validations.of(route).acknowledge({ id: "AwsSolutions-APIG4", reason });
  }
}

/**
 * Why the SMS grant of the functions that send reminders and receipts has `Resource: "*"`
 * (infra/constructs/subscriber-messaging.ts), acknowledged on each of those roles and no other.
 */
export const SMS_PUBLISH_REASON =
  'SMS to a phone number (shared/adapters/notify/sns-sms.ts: SNS Publish with PhoneNumber, no topic) has no resource ARN, so IAM can grant it only on "*". The same policy denies sns:Publish on every topic and platform endpoint ARN (arn:<partition>:sns:*:*:*), so the wildcard reaches phone numbers alone; sns:Publish is the only action granted.';

/** Acknowledges the SMS grant's `Resource: "*"` on one role (AwsSolutions-IAM5 for that resource only). */
export function acknowledgeSmsPublish(role: IConstruct): void {
  acknowledgeWildcardResource(role, "*", SMS_PUBLISH_REASON);
}

/**
 * Acknowledges AwsSolutions-IAM5 for one wildcard resource on one role's policies, and nothing else:
 * the finding id names the resource exactly as cdk-nag flattens it (`arn:<AWS::Partition>:...` when
 * the stack is environment-agnostic, literal when it is pinned), so another wildcard on the same role,
 * or this one widened, still fails synth.
 */
export function acknowledgeWildcardResource(role: IConstruct, resourceArn: string, reason: string): void {
  Validations.of(role).acknowledge({ id: wildcardResourceFinding(role, resourceArn), reason });
}

/** The cdk-nag finding id of a wildcard resource in a policy statement, as the rule reports it. */
export function wildcardResourceFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resourceArn))}]`;
}
