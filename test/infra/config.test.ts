import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { resolveStageConfig, StageConfigError } from "../../infra/config.js";

describe("resolveStageConfig", () => {
  it("defaults to dev, which may be destroyed and allows any browser origin", () => {
    const config = resolveStageConfig({});

    expect(config.stage).toBe("dev");
    expect(config.statefulRemovalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(config.deletionProtection).toBe(false);
    expect(config.corsAllowedOrigins).toEqual(["*"]);
    expect(config.logRetention).toBe(RetentionDays.ONE_WEEK);
  });

  it("retains and protects stateful resources in prod, with no browser origin until one is named", () => {
    const config = resolveStageConfig({ stage: "prod" });

    expect(config.statefulRemovalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(config.logRemovalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(config.deletionProtection).toBe(true);
    expect(config.corsAllowedOrigins).toEqual([]);
  });

  it("parses a comma-separated origin list from the CLI context", () => {
    const config = resolveStageConfig({
      stage: "prod",
      corsAllowedOrigins: " https://admin.example.net, http://localhost:5173 ",
    });

    expect(config.corsAllowedOrigins).toEqual(["https://admin.example.net", "http://localhost:5173"]);
  });

  it.each([
    [{ stage: "staging" }, /stage/],
    [{ corsAllowedOrigins: "https://admin.example.net/app" }, /without a path/],
    [{ corsAllowedOrigins: "*,https://admin.example.net" }, /cannot be combined/],
    [{ stage: "prod", corsAllowedOrigins: "*" }, /prod must list its origins/],
    [{ smsSenderId: "Dhaka-Net" }, /smsSenderId: must be 1-11 letters or digits/],
    [{ smsSenderId: "012345" }, /smsSenderId: must be 1-11 letters or digits/],
    [{ emailFrom: "billing" }, /emailFrom: must be an e-mail address/],
    [{ emailFrom: "Dhaka Net <billing@isp.example>\r\nBcc: x@evil.example" }, /emailFrom/],
    [{ emailIdentity: "isp.example" }, /emailIdentity: names an SES identity without emailFrom/],
    [{ emailFrom: "billing@isp.example", emailIdentity: "other.example" }, /does not cover/],
    [{ emailFrom: "billing@isp.example", emailIdentity: "*" }, /emailIdentity: must be an SES identity ARN/],
    [
      { emailFrom: "billing@isp.example", emailIdentity: "arn:aws:ses:us-east-1:123456789012:identity/*" },
      /emailIdentity: must be an SES identity ARN/,
    ],
    [{ publicBaseUrl: "http://pay.isp.example" }, /publicBaseUrl: must be https/],
    [{ publicBaseUrl: "https://pay.isp.example/" }, /publicBaseUrl: must be https/],
    [{ publicBaseUrl: "https://pay.isp.example/?a=1" }, /publicBaseUrl: must be https/],
  ])("rejects %j at synth time", (input, message) => {
    expect(() => resolveStageConfig(input)).toThrow(StageConfigError);
    expect(() => resolveStageConfig(input)).toThrow(message);
  });

  it("sends no e-mail, uses SNS's default sender and the API's own URL unless told otherwise", () => {
    const config = resolveStageConfig({ emailFrom: "", smsSenderId: "" });

    expect(config.notifications).toEqual({ smsSenderId: undefined, email: undefined });
    expect(config.publicBaseUrl).toBeUndefined();
  });

  it("takes the SMS sender id, the e-mail sender and its SES identity, by default the sender's domain", () => {
    const byDomain = resolveStageConfig({
      smsSenderId: "DhakaNet",
      emailFrom: "Dhaka Net <billing@isp.example>",
    });
    const byAddress = resolveStageConfig({
      emailFrom: "billing@mail.isp.example",
      emailIdentity: "billing@mail.isp.example",
    });
    const byParent = resolveStageConfig({
      emailFrom: "billing@mail.isp.example",
      emailIdentity: "isp.example",
    });
    const byArn = resolveStageConfig({
      emailFrom: "billing@isp.example",
      emailIdentity: "arn:aws:ses:ap-south-1:123456789012:identity/isp.example",
    });

    expect(byDomain.notifications).toEqual({
      smsSenderId: "DhakaNet",
      email: { from: "Dhaka Net <billing@isp.example>", identity: "isp.example" },
    });
    expect(byAddress.notifications.email?.identity).toBe("billing@mail.isp.example");
    expect(byParent.notifications.email?.identity).toBe("isp.example");
    expect(byArn.notifications.email?.identity).toBe(
      "arn:aws:ses:ap-south-1:123456789012:identity/isp.example",
    );
  });

  it("takes a custom public base URL, with a path but without a trailing slash", () => {
    expect(resolveStageConfig({ publicBaseUrl: "https://pay.isp.example" }).publicBaseUrl).toBe(
      "https://pay.isp.example",
    );
    expect(resolveStageConfig({ publicBaseUrl: "https://isp.example/billing" }).publicBaseUrl).toBe(
      "https://isp.example/billing",
    );
  });

  it("throttles the gateway webhook route above the other public routes, within the stage's limit", () => {
    for (const stage of ["dev", "prod"] as const) {
      const { throttle, publicRouteThrottle, webhookRouteThrottle } = resolveStageConfig({ stage });
      expect(webhookRouteThrottle.rateLimit, stage).toBeGreaterThan(publicRouteThrottle.rateLimit);
      expect(webhookRouteThrottle.burstLimit, stage).toBeGreaterThan(publicRouteThrottle.burstLimit);
      expect(webhookRouteThrottle.rateLimit, stage).toBeLessThanOrEqual(throttle.rateLimit);
      expect(webhookRouteThrottle.burstLimit, stage).toBeLessThanOrEqual(throttle.burstLimit);
    }
    expect(resolveStageConfig({ stage: "dev" }).webhookRouteThrottle).toEqual({
      rateLimit: 50,
      burstLimit: 100,
    });
    expect(resolveStageConfig({ stage: "prod" }).webhookRouteThrottle).toEqual({
      rateLimit: 200,
      burstLimit: 400,
    });
  });

  it("stays environment-agnostic until an account is known", () => {
    expect(resolveStageConfig({ region: "us-east-1" }).env).toBeUndefined();
    expect(resolveStageConfig({ account: "123456789012", region: "ap-south-1" }).env).toEqual({
      account: "123456789012",
      region: "ap-south-1",
    });
  });
});
