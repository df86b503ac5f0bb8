import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type App, Validations } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import type { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { type ApiFunctionSpec, apiFunctions } from "../../functions/api/catalog.js";
import { addAwsSolutionsChecks } from "../../infra/nag.js";
import { synthStage } from "./synth.js";

// Synthesis with CloudFormation validation and cdk-nag takes seconds on a loaded machine.
const SLOW = 120_000;

function synthWithNag(options: Parameters<typeof synthStage>[0] = {}) {
  let pack: AwsSolutionsChecks | undefined;
  const synth = synthStage({
    ...options,
    cfnValidation: true,
    beforeSynth: (app) => {
      pack = addAwsSolutionsChecks(app);
    },
  });
  if (!pack) throw new Error("cdk-nag was not registered");
  return { ...synth, pack };
}

function describeViolations(report: ReturnType<AwsSolutionsChecks["validateScope"]>): string[] {
  return report.violations.map(
    (v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
  );
}

function acknowledgements(app: App): { path: string; ids: string[] }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((entry) => ({
        path: construct.node.path,
        ids: Object.keys(entry.data ?? {}).map((id) => id.replace(/^annotation::/i, "")),
      })),
  );
}

describe("cdk-nag AwsSolutions checks", () => {
  it.each(["dev", "prod"])(
    "%s synthesizes with no unacknowledged error or warning and passes CloudFormation validation",
    (stage) => {
      // app.synth() inside synthWithNag already throws on any error; warnings are checked here.
      const { app, pack, assembly } = synthWithNag({ config: { stage } });

      expect(describeViolations(pack.validateScope(app))).toEqual([]);
      const report: { pluginReports: { violations?: unknown[] }[] } = JSON.parse(
        readFileSync(join(assembly.directory, "validation-report.json"), "utf8"),
      );
      expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    },
    SLOW,
  );

  it("leaves no CDK warning or error annotation on either stack", () => {
    const { stacks } = synthStage({ config: { stage: "prod" } });

    for (const stack of [stacks.stateful, stacks.stateless]) {
      expect(Annotations.fromStack(stack).findError("*", Match.anyValue()), stack.stackName).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue()), stack.stackName).toEqual([]);
    }
  });

  it("acknowledges nothing but AwsSolutions-APIG4, and that only on the two public routes", () => {
    const { app, stacks } = synthStage();
    const publicRoutePaths = [...stacks.stateless.api.publicRoutes.values()].map((r) => r.node.path);

    expect(acknowledgements(app)).toEqual(
      expect.arrayContaining(publicRoutePaths.map((path) => ({ path, ids: ["AwsSolutions-APIG4"] }))),
    );
    expect(acknowledgements(app)).toHaveLength(2);
  });

  it(
    "fails synthesis when an operation is made public without a written reason",
    () => {
      const meta = apiFunctions.find((spec) => spec.name === "meta");
      const health = meta?.operations.find((op) => op.path === "/v1/health");
      if (!health) throw new Error("the catalog has no GET /v1/health");
      const leaky: ApiFunctionSpec = {
        name: "leaky",
        entry: "functions/api/meta.ts",
        operations: [{ ...health, id: "status", path: "/v1/status" }],
      };

      expect(() => synthWithNag({ apiFunctions: [...apiFunctions, leaky] })).toThrow(/AwsSolutions-APIG4/);
    },
    SLOW,
  );
});
