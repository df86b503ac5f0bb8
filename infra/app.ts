import { App } from "aws-cdk-lib";
import { resolveStageConfig } from "./config.js";
import { addAwsSolutionsChecks } from "./nag.js";
import { createStacks } from "./stacks.js";

// One stage per synth: `npx cdk synth` (dev) or `npx cdk synth -c stage=prod`.
const app = new App();
const config = resolveStageConfig({
  stage: app.node.tryGetContext("stage") ?? process.env.STAGE,
  corsAllowedOrigins: app.node.tryGetContext("corsAllowedOrigins"),
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
createStacks(app, config);
addAwsSolutionsChecks(app);
