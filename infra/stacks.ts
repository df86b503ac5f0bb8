import type { Construct } from "constructs";
import { type ApiFunctionSpec, apiFunctions } from "../functions/api/catalog.js";
import type { StageConfig } from "./config.js";
import { PROJECT_TAG } from "./project.js";
import { StatefulStack } from "./stateful-stack.js";
import { StatelessStack } from "./stateless-stack.js";

export interface IspBillingStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface CreateStacksOptions {
  /**
   * The API Lambdas and their routes.
   * @default apiFunctions from functions/api/catalog.ts
   */
  readonly apiFunctions?: readonly ApiFunctionSpec[];
}

/** Both stacks of one stage; the app and the tests build them the same way. */
export function createStacks(
  scope: Construct,
  config: StageConfig,
  options: CreateStacksOptions = {},
): IspBillingStacks {
  const prefix = `isp-billing-${config.stage}`;
  const common = {
    env: config.env,
    tags: { project: PROJECT_TAG, stage: config.stage },
  };
  const stateful = new StatefulStack(scope, `${prefix}-stateful`, {
    ...common,
    stackName: `${prefix}-stateful`,
    description: `ISP billing (${config.stage}): table, schedule group, queues, topic and key that outlive deployments`,
    terminationProtection: config.deletionProtection,
    config,
  });
  const stateless = new StatelessStack(scope, `${prefix}-stateless`, {
    ...common,
    stackName: `${prefix}-stateless`,
    description: `ISP billing (${config.stage}): functions, their schedules and the admin HTTP API`,
    config,
    table: stateful.table,
    scheduleGroupName: stateful.scheduleGroupName,
    schedulerDeadLetterQueue: stateful.schedulerDeadLetterQueue,
    lifecycleFailureQueue: stateful.lifecycleFailureQueue,
    siteQueuePrefix: stateful.siteQueuePrefix,
    siteCommandDeadLetterQueue: stateful.siteCommandDeadLetterQueue,
    agentEventsQueue: stateful.agentEventsQueue,
    gatewayKey: stateful.gatewayKey,
    userTokens: stateful.userTokens,
    apiFunctions: options.apiFunctions ?? apiFunctions,
    operatorsTopic: stateful.operatorsTopic,
    outboundEvents: stateful.outboundEvents,
  });
  stateless.addStackDependency(
    stateful,
    "the functions use the table, the schedule group, the queues and the key",
  );
  return { stateful, stateless };
}
