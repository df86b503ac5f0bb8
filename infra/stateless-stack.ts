import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import { type ApiFunctionSpec, AUTHORIZER_ENTRY } from "../functions/api/catalog.js";
import type { StageConfig } from "./config.js";
import { AdminApi, type ApiRouteGroup } from "./constructs/admin-api.js";
import { NodeLambda } from "./constructs/node-lambda.js";
import { grantTableAccess } from "./constructs/table-access.js";
import { acknowledgePublicRoutes } from "./nag.js";

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly table: ITable;
  /** The API Lambdas and their routes: `apiFunctions` from the catalog. */
  readonly apiFunctions: readonly ApiFunctionSpec[];
}

/** Code and the things that route to it: replaceable at any time without touching data. */
export class StatelessStack extends Stack {
  readonly api: AdminApi;
  readonly functions: ReadonlyMap<string, NodeLambda>;
  readonly authorizer: NodeLambda;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, table } = props;
    const lambdaDefaults = {
      logRetention: config.logRetention,
      logRemovalPolicy: config.logRemovalPolicy,
    };

    this.authorizer = new NodeLambda(this, "Authorizer", {
      ...lambdaDefaults,
      entry: AUTHORIZER_ENTRY,
      description: `API key authorizer (${config.stage})`,
      environment: { TABLE_NAME: table.tableName, LOG_LEVEL: config.logLevel },
      // API Gateway waits at most 10 s for an authorizer; fail well before that.
      timeout: Duration.seconds(5),
    });
    grantTableAccess(table, this.authorizer.function, "authenticate");

    const functions = new Map<string, NodeLambda>();
    const routeGroups: ApiRouteGroup[] = [];
    for (const spec of props.apiFunctions) {
      const lambda = new NodeLambda(this, `${capitalize(spec.name)}Api`, {
        ...lambdaDefaults,
        entry: spec.entry,
        description: `${spec.name} API (${config.stage})`,
        environment: {
          TABLE_NAME: table.tableName,
          CORS_ALLOWED_ORIGINS: config.corsAllowedOrigins.join(","),
          LOG_LEVEL: config.logLevel,
        },
      });
      grantTableAccess(table, lambda.function, "api");
      functions.set(spec.name, lambda);
      routeGroups.push({ name: spec.name, handler: lambda.function, operations: spec.operations });
    }
    this.functions = functions;

    this.api = new AdminApi(this, "AdminApi", {
      apiName: `isp-billing-${config.stage}`,
      routeGroups,
      authorizerHandler: this.authorizer.function,
      corsAllowedOrigins: config.corsAllowedOrigins,
      throttle: config.throttle,
      publicRouteThrottle: config.publicRouteThrottle,
      accessLogRetention: config.logRetention,
      accessLogRemovalPolicy: config.logRemovalPolicy,
    });
    acknowledgePublicRoutes(this.api);

    new CfnOutput(this, "ApiUrl", { value: this.api.stage.url, description: "Base URL of the admin API" });
  }
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
