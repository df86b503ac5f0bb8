import { App } from "aws-cdk-lib";
import { resolveStageConfig } from "./config.js";
import { addAwsSolutionsChecks } from "./nag.js";
import { createStacks } from "./stacks.js";

// One stage per synth: `npx cdk synth` (dev) or `npx cdk synth -c stage=prod`.
const app = new App();
const config = resolveStageConfig({
  stage: app.node.tryGetContext("stage") ?? process.env.STAGE,
  corsAllowedOrigins: app.node.tryGetContext("corsAllowedOrigins"),
  // Subscriber messages and pay links: `-c smsSenderId=... -c emailFrom=... -c emailIdentity=...
  // -c publicBaseUrl=https://pay.isp.example`; each optional (infra/config.ts).
  smsSenderId: app.node.tryGetContext("smsSenderId"),
  emailFrom: app.node.tryGetContext("emailFrom"),
  emailIdentity: app.node.tryGetContext("emailIdentity"),
  publicBaseUrl: app.node.tryGetContext("publicBaseUrl"),
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
createStacks(app, config);
addAwsSolutionsChecks(app);
