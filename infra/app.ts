import { App } from "aws-cdk-lib";
import { resolveStageConfig } from "./config.js";
import { addAwsSolutionsChecks } from "./nag.js";
import { SIGN_IN_CONTEXT_KEYS } from "./sign-in-config.js";
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
  // Frontend sign-in (README "Frontend sign-in"): a user pool, `-c signInCallbackUrls=...
  // -c signInDomainPrefix=...`, or the deployer's issuer instead, `-c oidcIssuer=... -c oidcAudience=...`.
  ...Object.fromEntries(SIGN_IN_CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key)])),
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
createStacks(app, config);
addAwsSolutionsChecks(app);
