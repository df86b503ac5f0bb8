import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AgentPolicyError,
  agentSessionName,
  agentSessionPolicy,
  agentSessionTags,
  parseQueueArn,
  siteQueueArn,
} from "../../../shared/domain/agent-session-policy.js";

const EVENTS = "arn:aws:sqs:ap-south-1:123456789012:isp-billing-prod-stateful-AgentEventsQueue1A2B3C";
const TENANT = "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C";
const SITE_A = "site_01JD3Q7Z8K5V6W9XR2T4N0PB1A";
const SITE_B = "site_01JD3Q7Z8K5V6W9XR2T4N0PB1B";

function policyFor(tenantId: string, siteId: string) {
  return agentSessionPolicy({
    siteQueueArn: siteQueueArn(EVENTS, "isp-prod", tenantId, siteId),
    eventsQueueArn: EVENTS,
  });
}

/** Every resource the policy names, with the actions allowed on it. */
function grants(policy: ReturnType<typeof agentSessionPolicy>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of policy.Statement) out.set(s.Resource, [...(out.get(s.Resource) ?? []), ...s.Action]);
  return out;
}

describe("agent session policy", () => {
  it("lets one site's agent receive from its own queue and send to the events queue, nothing else", () => {
    const policy = policyFor(TENANT, SITE_A);

    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement.every((s) => s.Effect === "Allow")).toBe(true);
    expect(Object.fromEntries(grants(policy))).toEqual({
      [`arn:aws:sqs:ap-south-1:123456789012:isp-prod-${TENANT}-${SITE_A}`]: [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      [EVENTS]: ["sqs:SendMessage"],
    });
  });

  it("gives site A's agent nothing on site B's queue (or its DLQ), and has no wildcard", () => {
    const a = JSON.stringify(policyFor(TENANT, SITE_A));
    const bQueue = `isp-prod-${TENANT}-${SITE_B}`;

    expect(a).not.toContain(SITE_B);
    expect(a).not.toContain(bQueue);
    expect(a).not.toContain("-dlq");
    expect(a).not.toMatch(/[*?]/);
    expect(policyFor(TENANT, SITE_B).Statement[0]?.Resource).toBe(
      `arn:aws:sqs:ap-south-1:123456789012:${bQueue}`,
    );
  });

  it("never names another site, for any pair of tenants and sites", () => {
    const ulid = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    fc.assert(
      fc.property(ulid, ulid, ulid, ulid, (t1, s1, t2, s2) => {
        fc.pre(t1 !== t2 || s1 !== s2);
        const mine = policyFor(`ten_${t1}`, `site_${s1}`);
        const theirs = siteQueueArn(EVENTS, "isp-prod", `ten_${t2}`, `site_${s2}`);
        const resources = mine.Statement.map((s) => s.Resource);
        expect(resources).not.toContain(theirs);
        expect(resources.every((r) => !/[*?]/.test(r))).toBe(true);
      }),
    );
  });

  it("refuses a wildcard or malformed ARN instead of widening the policy", () => {
    const wild = "arn:aws:sqs:ap-south-1:123456789012:isp-prod-*";
    expect(() => agentSessionPolicy({ siteQueueArn: wild, eventsQueueArn: EVENTS })).toThrow(
      AgentPolicyError,
    );
    expect(() => agentSessionPolicy({ siteQueueArn: EVENTS, eventsQueueArn: EVENTS })).toThrow(
      AgentPolicyError,
    );
    expect(() => parseQueueArn("arn:aws:sqs:*:123456789012:q")).toThrow(AgentPolicyError);
    expect(() => siteQueueArn(EVENTS, "isp-*", TENANT, SITE_A)).toThrow(AgentPolicyError);
  });

  it("finds site queues beside the events queue, in its partition, region and account", () => {
    const china = "arn:aws-cn:sqs:cn-north-1:123456789012:events";
    expect(siteQueueArn(china, "isp-prod", TENANT, SITE_A)).toBe(
      `arn:aws-cn:sqs:cn-north-1:123456789012:isp-prod-${TENANT}-${SITE_A}`,
    );
  });

  it("names the session and tags it with tenant and site, within STS limits", () => {
    const name = agentSessionName(TENANT, SITE_A);
    expect(name).toBe(`${TENANT}.${SITE_A}`);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(agentSessionTags(TENANT, SITE_A)).toEqual([
      { Key: "tenantId", Value: TENANT },
      { Key: "siteId", Value: SITE_A },
    ]);
  });
});
