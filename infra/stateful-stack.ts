import { CrossStackReferences, ReferenceStrength, Stack, type StackProps } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { StageConfig } from "./config.js";
import { DataTable } from "./constructs/data-table.js";

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Resources that hold data and outlive deployments: the table now; the per-site edge queues, the
 * agent-events queue, notification topics and the EventBridge Scheduler group join it, each as its
 * own construct created by its own `add...` method and exposed as a readonly property for the
 * stateless stack.
 */
export class StatefulStack extends Stack {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    this.table = this.addTable(props.config);
  }

  private addTable(config: StageConfig): ITable {
    const { table } = new DataTable(this, "Data", {
      removalPolicy: config.statefulRemovalPolicy,
      deletionProtection: config.deletionProtection,
    });
    // A strong (Export/ImportValue) reference: CloudFormation refuses to delete or replace the table
    // while the stateless stack still uses it, which is the guard a stateful stack wants.
    CrossStackReferences.of(table).produce(ReferenceStrength.STRONG);
    return table;
  }
}
