import { asArray, field, type Json, type Synthesized } from "./synth.js";

/** The account and region `deployedEnvironment` pretends the stacks were deployed to. */
export const FAKE = { partition: "aws", region: "ap-south-1", account: "123456789012" };

/** cdk-nag's notation for an ARN built from pseudo parameters. */
export function flatten(value: Json | undefined): string {
  const join = field(value, "Fn::Join");
  if (Array.isArray(join)) {
    const [delimiter, parts] = join;
    return asArray(parts)
      .map((p) => (typeof p === "string" ? p : `<${String(field(p, "Ref"))}>`))
      .join(String(delimiter));
  }
  return String(value);
}

/**
 * What the variables read once CloudFormation has resolved them, with made-up physical names: pseudo
 * parameters, attributes of this stack's resources, and exports of the stateful stack.
 */
export function deployedEnvironment(synth: Synthesized, env: Record<string, Json>): Record<string, string> {
  const stateless = synth.stateless.toJSON() as { Resources: Record<string, { Type: string }> };
  const stateful = synth.stateful.toJSON() as {
    Resources: Record<string, { Type: string }>;
    Outputs: Record<string, { Value: Json; Export?: { Name: string } }>;
  };
  const pseudo: Record<string, string> = {
    "AWS::Partition": FAKE.partition,
    "AWS::Region": FAKE.region,
    "AWS::AccountId": FAKE.account,
    "AWS::URLSuffix": "amazonaws.com",
  };
  const physical = (resources: Record<string, { Type: string }>, id: string, attribute: string): string => {
    const type = resources[id]?.Type;
    const arnOf: Record<string, string> = {
      "AWS::IAM::Role": `arn:aws:iam::${FAKE.account}:role/${id}`,
      "AWS::SQS::Queue": `arn:aws:sqs:${FAKE.region}:${FAKE.account}:${id}`,
      "AWS::DynamoDB::Table": `arn:aws:dynamodb:${FAKE.region}:${FAKE.account}:table/${id}`,
      "AWS::Lambda::Function": `arn:aws:lambda:${FAKE.region}:${FAKE.account}:function:${id}`,
    };
    if (type === "AWS::ApiGatewayV2::Api" && attribute === "ApiEndpoint") {
      return `https://${id.toLowerCase()}.execute-api.${FAKE.region}.amazonaws.com`;
    }
    const value = attribute === "Ref" ? id : type ? arnOf[type] : undefined;
    if (!value) throw new Error(`cannot fake ${attribute} of ${id} (${type})`);
    return value;
  };
  const resolve = (value: Json, resources: Record<string, { Type: string }>): string => {
    if (typeof value === "string") return value;
    const join = field(value, "Fn::Join");
    if (Array.isArray(join))
      return asArray(join[1])
        .map((p) => resolve(p, resources))
        .join(String(join[0]));
    const reference = field(value, "Ref");
    if (typeof reference === "string") return pseudo[reference] ?? physical(resources, reference, "Ref");
    const getAtt = field(value, "Fn::GetAtt");
    if (Array.isArray(getAtt)) return physical(resources, String(getAtt[0]), String(getAtt[1]));
    const imported = field(value, "Fn::ImportValue");
    if (typeof imported === "string") {
      const output = Object.values(stateful.Outputs).find((o) => o.Export?.Name === imported);
      if (!output) throw new Error(`no export ${imported}`);
      return resolve(output.Value, stateful.Resources);
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, resolve(value, stateless.Resources)]),
  );
}
