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
  ])("rejects %j at synth time", (input, message) => {
    expect(() => resolveStageConfig(input)).toThrow(StageConfigError);
    expect(() => resolveStageConfig(input)).toThrow(message);
  });

  it("stays environment-agnostic until an account is known", () => {
    expect(resolveStageConfig({ region: "us-east-1" }).env).toBeUndefined();
    expect(resolveStageConfig({ account: "123456789012", region: "ap-south-1" }).env).toEqual({
      account: "123456789012",
      region: "ap-south-1",
    });
  });
});
