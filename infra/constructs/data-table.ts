import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import {
  GLOBAL_INDEXES,
  STREAM_VIEW_TYPE,
  TABLE_KEY,
  TTL_ATTRIBUTE,
} from "../../shared/adapters/dynamodb/table-definition.js";

export interface DataTableProps {
  /**
   * What CloudFormation does with the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse DeleteTable calls, from CloudFormation or anyone else.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The single table (DESIGN decision 9). Its keys, indexes and TTL attribute come from the same
 * definition the local/test table is created from, so the two cannot drift apart.
 *
 * An `AWS::DynamoDB::Table` rather than `TableV2` (`AWS::DynamoDB::GlobalTable`): the service is
 * single-region, and cdk-nag's PITR rule (AwsSolutions-DDB3) only inspects `AWS::DynamoDB::Table`.
 */
export class DataTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deletionProtection = props.deletionProtection ?? true;
    if (deletionProtection && removalPolicy === RemovalPolicy.DESTROY) {
      throw new Error(
        "DataTable: removalPolicy DESTROY conflicts with deletionProtection (the delete would fail)",
      );
    }

    this.table = new Table(this, "Table", {
      partitionKey: { name: TABLE_KEY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The AWS-managed key (aws/dynamodb): encryption at rest with KMS audit trail in CloudTrail and no
      // key policy or grants to maintain. Switch to a customer-managed key if tenants ever need
      // crypto-shredding or cross-account control.
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // The outbound events read what was written (timeline items) from the stream: new images only.
      stream: StreamViewType[STREAM_VIEW_TYPE],
      deletionProtection,
      removalPolicy,
    });

    for (const index of GLOBAL_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: index.projection === "KEYS_ONLY" ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      });
    }
  }
}
