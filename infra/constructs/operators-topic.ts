import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

export interface OperatorsTopicProps {
  readonly displayName: string;
  /**
   * Applied to the topic and its key.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where operator alarms go (DLQ depth, function errors, ...). Encrypted with a customer-managed key
 * rather than alias/aws/sns: CloudWatch alarms cannot publish to a topic under the AWS-managed key,
 * whose policy cannot be edited to let cloudwatch.amazonaws.com use it. Publishing requires TLS.
 *
 * The topic policy CDK writes for `enforceSSL` replaces SNS's default policy, so CloudWatch alarms
 * of this account and region are allowed to publish explicitly (confused-deputy conditions on both
 * the topic and the key). Identities of this account publish with their own IAM grants.
 */
export class OperatorsTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: OperatorsTopicProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const stack = Stack.of(this);
    const fromThisAccountsAlarms = {
      StringEquals: { "aws:SourceAccount": stack.account },
      ArnLike: {
        "aws:SourceArn": stack.formatArn({
          service: "cloudwatch",
          resource: "alarm",
          resourceName: "*",
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const cloudwatch = new ServicePrincipal("cloudwatch.amazonaws.com");

    this.key = new Key(this, "Key", {
      description: `Encrypts the ${props.displayName} SNS topic`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublishEncrypted",
        principals: [cloudwatch],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: fromThisAccountsAlarms,
      }),
    );

    this.topic = new Topic(this, "Topic", {
      displayName: props.displayName,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.applyRemovalPolicy(removalPolicy);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [cloudwatch],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
  }
}
