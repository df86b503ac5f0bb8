import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { resolveStageConfig, type StageConfig, type StageConfigInput } from "../../infra/config.js";
import { type CreateStacksOptions, createStacks, type IspBillingStacks } from "../../infra/stacks.js";

const CDK_JSON = new URL("../../cdk.json", import.meta.url);

/** The context (feature flags) `cdk synth` runs with, so tests assert on the template that deploys. */
export function cdkJsonContext(): Record<string, unknown> {
  const parsed: { context?: Record<string, unknown> } = JSON.parse(readFileSync(CDK_JSON, "utf8"));
  if (!parsed.context) throw new Error("cdk.json has no context");
  return parsed.context;
}

export interface SynthOptions extends CreateStacksOptions {
  readonly config?: StageConfigInput;
  /** Extra steps on the app before synthesis (e.g. registering cdk-nag). */
  readonly beforeSynth?: (app: App) => void;
  /**
   * Run CDK's built-in CloudFormation template validation too. It is thorough but takes seconds per
   * synth, so only the validation tests turn it on.
   * @default false
   */
  readonly cfnValidation?: boolean;
}

export interface Synthesized {
  readonly app: App;
  readonly config: StageConfig;
  readonly stacks: IspBillingStacks;
  readonly assembly: CloudAssembly;
  readonly stateful: Template;
  readonly stateless: Template;
}

/**
 * Builds and synthesizes one stage exactly as infra/app.ts does, minus esbuild: bundling is skipped
 * (`aws:cdk:bundling-stacks: []`), which keeps a synth well under a second. `cdk synth` bundles.
 */
export function synthStage(options: SynthOptions = {}): Synthesized {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      "aws:cdk:bundling-stacks": [],
      // Make a failed validation throw with the report in the message, not just a file path.
      "@aws-cdk/core:appMode": "inmemory",
    },
  });
  const config = resolveStageConfig(options.config ?? {});
  const stacks = createStacks(app, config, options);
  options.beforeSynth?.(app);
  const assembly = withCfnValidation(options.cfnValidation ?? false, () => app.synth());
  return {
    app,
    config,
    stacks,
    assembly,
    stateful: Template.fromStack(stacks.stateful),
    stateless: Template.fromStack(stacks.stateless),
  };
}

function withCfnValidation<T>(enabled: boolean, run: () => T): T {
  const previous = process.env.CDK_VALIDATION;
  if (!enabled) process.env.CDK_VALIDATION = "false";
  try {
    return run();
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ResourceEntry {
  readonly logicalId: string;
  readonly properties: Record<string, Json>;
  readonly raw: Record<string, Json>;
}

/** Resources of one type, without pinning logical ids in assertions. */
export function resourcesOfType(template: Template, type: string): ResourceEntry[] {
  return Object.entries(template.findResources(type)).map(([logicalId, raw]) => ({
    logicalId,
    raw,
    properties: (raw.Properties ?? {}) as Record<string, Json>,
  }));
}

export function asArray(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function field(value: Json | undefined, key: string): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value[key] : undefined;
}

export function statementList(document: Json | undefined): Json[] {
  return asArray(field(document, "Statement"));
}

/** Every IAM statement of a template: policies and roles' inline policies. */
export function iamStatements(template: Template): Json[] {
  return [
    ...resourcesOfType(template, "AWS::IAM::Policy").flatMap((p) =>
      statementList(p.properties.PolicyDocument),
    ),
    ...resourcesOfType(template, "AWS::IAM::Role").flatMap((role) =>
      asArray(role.properties.Policies).flatMap((p) => statementList(field(p, "PolicyDocument"))),
    ),
  ];
}

/** The statements of the policies attached to one role, given as its resolved `{ Ref }`. */
export function statementsOfRole(template: Template, roleRef: unknown): Json[] {
  const ref = JSON.stringify(roleRef);
  return resourcesOfType(template, "AWS::IAM::Policy")
    .filter((p) => asArray(p.properties.Roles).some((r) => JSON.stringify(r) === ref))
    .flatMap((p) => statementList(p.properties.PolicyDocument));
}

/** Logical ids of the roles whose attached policies hold a statement matching `matches`. */
export function rolesWithStatement(template: Template, matches: (statement: Json) => boolean): string[] {
  return resourcesOfType(template, "AWS::IAM::Policy")
    .filter((p) => statementList(p.properties.PolicyDocument).some(matches))
    .flatMap((p) => asArray(p.properties.Roles).map((r) => String(field(r, "Ref"))))
    .sort();
}
