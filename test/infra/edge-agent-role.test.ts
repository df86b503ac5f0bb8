import { STSClient } from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { agentCredentialIssuerFromEnv } from "../../functions/agent-deps.js";
import { AGENT_ROLE_ID_ENV } from "../../functions/api/catalog.js";
import { AGENT_API_FUNCTION } from "../../infra/stateless-stack.js";
import { StsAgentCredentialIssuer } from "../../shared/adapters/agent-credentials/sts.js";
import {
  agentSessionPolicy,
  EVENTS_QUEUE_AGENT_ACTIONS,
  SITE_QUEUE_AGENT_ACTIONS,
  siteQueueArn,
} from "../../shared/domain/agent-session-policy.js";
import { systemClock } from "../../shared/domain/clock.js";
import { deployedEnvironment, FAKE, flatten } from "./deployed.js";
import {
  asArray,
  field,
  iamStatements,
  type Json,
  resourcesOfType,
  type Synthesized,
  statementList,
  statementsOfRole,
  synthStage,
} from "./synth.js";

const TENANT = "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C";
const SITE_A = "site_01JD3Q7Z8K5V6W9XR2T4N0PB1A";
const SITE_B = "site_01JD3Q7Z8K5V6W9XR2T4N0PB1B";
/** An IAM policy variable naming a session tag, as it appears in the template. */
const tag = (key: string) => `\${aws:PrincipalTag/${key}}`;

describe("edge-agent role", () => {
  let dev: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
  });

  const ref = (value: string) => dev.stacks.stateless.resolve(value);
  const access = () => {
    const edgeAgent = dev.stacks.stateless.edgeAgent;
    const issuer = dev.stacks.stateless.functions.get(AGENT_API_FUNCTION);
    if (!edgeAgent || !issuer) throw new Error("no edge-agent access in the stack");
    return { role: edgeAgent.role, issuer };
  };
  const roleResource = () => {
    const id = (ref(access().role.roleArn) as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const role = resourcesOfType(dev.stateless, "AWS::IAM::Role").find((r) => r.logicalId === id);
    if (!role) throw new Error(`no role ${id}`);
    return role;
  };

  it("can do nothing but its site's queue (named by its session tags) and send to the events queue", () => {
    const statements = statementsOfRole(dev.stateless, ref(access().role.roleName));

    expect(statements).toEqual([
      {
        Sid: "OwnSiteCommands",
        Effect: "Allow",
        Action: [...SITE_QUEUE_AGENT_ACTIONS].sort(),
        Resource: expect.anything(),
      },
      {
        Sid: "AgentEvents",
        Effect: "Allow",
        Action: EVENTS_QUEUE_AGENT_ACTIONS[0],
        Resource: ref(dev.stacks.stateful.agentEventsQueue.queueArn),
      },
    ]);
    expect(flatten(field(statements[0], "Resource"))).toBe(
      `arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:isp-dev-${tag("tenantId")}-${tag("siteId")}`,
    );
    const role = roleResource();
    expect(role.properties.ManagedPolicyArns).toBeUndefined();
    expect(role.properties.Policies).toBeUndefined();
    expect(role.properties.MaxSessionDuration).toBe(3600);
    expect(JSON.stringify(statements)).not.toContain("*");
  });

  it("is trusted by the agent function's role alone, only for sessions tagged with a tenant and a site", () => {
    expect(roleResource().properties.AssumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: ref(access().issuer.role.roleArn) },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringLike: { "aws:RequestTag/tenantId": "ten_*", "aws:RequestTag/siteId": "site_*" },
            "ForAllValues:StringEquals": { "aws:TagKeys": ["tenantId", "siteId"] },
          },
        },
      ],
    });
  });

  it("is the one role anything may assume, and only the agent function may", () => {
    const sts = iamStatements(dev.stateless).filter((s) =>
      asArray(field(s, "Action")).some((a) => String(a).startsWith("sts:")),
    );
    expect(sts).toEqual([
      {
        Effect: "Allow",
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Resource: ref(access().role.roleArn),
      },
    ]);
    const holders = resourcesOfType(dev.stateless, "AWS::IAM::Policy")
      .filter((p) => statementList(p.properties.PolicyDocument).some((s) => sts.includes(s)))
      .flatMap((p) => asArray(p.properties.Roles));
    expect(holders).toEqual([ref(access().issuer.role.roleName)]);
  });

  it("gives the agent function item reads and writes on the table, and nothing else of the table", () => {
    const actions = statementsOfRole(dev.stateless, ref(access().issuer.role.roleName))
      .flatMap((s) => asArray(field(s, "Action")).map(String))
      .filter((a) => a.startsWith("dynamodb:"));
    expect(actions.sort()).toEqual([
      "dynamodb:ConditionCheckItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
  });

  it("configures the agent function so that, once deployed, it issues a one-site policy that agrees with the role", () => {
    const fn = resourcesOfType(dev.stateless, "AWS::Lambda::Function").find(
      (f) => JSON.stringify(f.properties.Role) === JSON.stringify(ref(access().issuer.role.roleArn)),
    );
    const variables = field(field(fn?.properties, "Environment"), "Variables") as Record<string, Json>;
    const env = deployedEnvironment(dev, variables);
    expect(env.AGENT_CREDENTIALS_SECONDS).toBe("3600");
    expect(env.EDGE_AGENT_ROLE_ARN).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(env.AGENT_EVENTS_QUEUE_ARN).toMatch(/^arn:aws:sqs:ap-south-1:123456789012:/);
    // Outside local mode the variables select the STS issuer, and it accepts them.
    expect(agentCredentialIssuerFromEnv(systemClock, env)).toBeInstanceOf(StsAgentCredentialIssuer);
    new StsAgentCredentialIssuer({
      roleArn: env.EDGE_AGENT_ROLE_ARN ?? "",
      eventsQueueArn: env.AGENT_EVENTS_QUEUE_ARN ?? "",
      siteQueuePrefix: env.SITE_QUEUE_PREFIX ?? "",
      client: new STSClient({ region: FAKE.region }),
    });

    // The role's site-queue resource, with site A's session tags, is the session policy's queue for A.
    const [ownSite] = statementsOfRole(dev.stateless, ref(access().role.roleName));
    const pattern = deployedEnvironment(dev, { arn: field(ownSite, "Resource") ?? null }).arn ?? "";
    const forSite = (siteId: string) =>
      pattern.replace(tag("tenantId"), TENANT).replace(tag("siteId"), siteId);
    const events = env.AGENT_EVENTS_QUEUE_ARN ?? "";
    const policy = agentSessionPolicy({
      siteQueueArn: siteQueueArn(events, env.SITE_QUEUE_PREFIX ?? "", TENANT, SITE_A),
      eventsQueueArn: events,
    });
    expect(policy.Statement.map((s) => s.Resource)).toEqual([forSite(SITE_A), events]);
    expect(JSON.stringify(policy)).not.toContain(forSite(SITE_B));
  });

  it("tells the agent-events function the role's id, so each event must come from its own site's session", () => {
    const fn = dev.stacks.stateless.agentEvents.function;
    const id = (ref(fn.functionArn) as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const resource = resourcesOfType(dev.stateless, "AWS::Lambda::Function").find((r) => r.logicalId === id);
    const variables = field(field(resource?.properties, "Environment"), "Variables");
    expect(field(variables, AGENT_ROLE_ID_ENV)).toEqual({
      "Fn::GetAtt": [roleResource().logicalId, "RoleId"],
    });
  });
});
