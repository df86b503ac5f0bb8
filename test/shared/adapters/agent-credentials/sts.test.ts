import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { StsAgentCredentialIssuer } from "../../../../shared/adapters/agent-credentials/sts.js";
import { AgentCredentialsError } from "../../../../shared/ports/agent-credentials.js";

const sts = mockClient(STSClient);
const ROLE = "arn:aws:iam::123456789012:role/isp-billing-prod-EdgeAgentRole";
const EVENTS = "arn:aws:sqs:ap-south-1:123456789012:isp-billing-prod-AgentEvents";
const TENANT = "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C";
const SITE = "site_01JD3Q7Z8K5V6W9XR2T4N0PB1A";
const EXPIRES = new Date("2030-01-01T01:00:00Z");

function issuer(durationSeconds?: number) {
  return new StsAgentCredentialIssuer({
    roleArn: ROLE,
    eventsQueueArn: EVENTS,
    siteQueuePrefix: "isp-prod",
    client: new STSClient({ region: "ap-south-1" }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  });
}

describe("StsAgentCredentialIssuer", () => {
  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: "ASIAX",
        SecretAccessKey: "s3cr3t",
        SessionToken: "tok",
        Expiration: EXPIRES,
      },
    });
  });

  it("assumes the edge-agent role for one site: session policy, tags, name and an hour by default", async () => {
    const credentials = await issuer().issue({ tenantId: TENANT, siteId: SITE });

    expect(credentials).toEqual({
      accessKeyId: "ASIAX",
      secretAccessKey: "s3cr3t",
      sessionToken: "tok",
      expiration: "2030-01-01T01:00:00.000Z",
      region: "ap-south-1",
    });
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1);
    const { Policy, ...input } = calls[0]?.args[0].input ?? {};
    expect(input).toEqual({
      RoleArn: ROLE,
      RoleSessionName: `${TENANT}.${SITE}`,
      DurationSeconds: 3600,
      Tags: [
        { Key: "tenantId", Value: TENANT },
        { Key: "siteId", Value: SITE },
      ],
    });
    expect(JSON.parse(Policy ?? "{}")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "OwnSiteCommands",
          Effect: "Allow",
          Action: [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
          ],
          Resource: `arn:aws:sqs:ap-south-1:123456789012:isp-prod-${TENANT}-${SITE}`,
        },
        { Sid: "AgentEvents", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: EVENTS },
      ],
    });
  });

  it("asks for the configured lifetime and refuses one STS or the role would not honour", async () => {
    await issuer(900).issue({ tenantId: TENANT, siteId: SITE });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.DurationSeconds).toBe(900);
    for (const bad of [899, 3601, 1000.5]) expect(() => issuer(bad)).toThrow(AgentCredentialsError);
  });

  it("wraps an STS failure, keeping it as the cause", async () => {
    const denied = Object.assign(new Error("not authorized to perform sts:AssumeRole"), {
      name: "AccessDenied",
    });
    sts.on(AssumeRoleCommand).rejects(denied);
    const error = await issuer()
      .issue({ tenantId: TENANT, siteId: SITE })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentCredentialsError);
    expect((error as Error).cause).toBe(denied);
  });

  it("refuses an answer without credentials", async () => {
    sts.on(AssumeRoleCommand).resolves({});
    await expect(issuer().issue({ tenantId: TENANT, siteId: SITE })).rejects.toThrow(AgentCredentialsError);
  });
});
