import { join } from "node:path";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { Charset, LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { LOCK_FILE, PROJECT_ROOT } from "../project.js";

/** The newest Node.js runtime aws-cdk-lib knows (supported to April 2028); DESIGN asks for 22 or newer. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/**
 * The syntax level esbuild emits. node22 is the oldest runtime DESIGN allows, so a bundle stays valid
 * if the runtime is ever pinned back to nodejs22.x; node24 accepts everything node22 does.
 */
export const ESBUILD_TARGET = "node22";

/**
 * ESM output cannot `require()`, but some CommonJS dependencies call it for Node built-ins once
 * bundled; this gives the module a real `require`. The alias avoids clashing with bundled names.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __cjsCreateRequire } from 'node:module'; const require = __cjsCreateRequire(import.meta.url);";

export interface NodeLambdaProps {
  /** Handler file, relative to the project root (e.g. `functions/api/packages.ts`). */
  readonly entry: string;
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * More memory also buys proportionally more CPU, which shortens cold starts (init time is billed).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
}

/**
 * A bundled Node.js Lambda with secure, explicit defaults: arm64, its own log group with retention,
 * and its own role that may write only to that log group. There is deliberately no
 * `AWSLambdaBasicExecutionRole` (it would allow creating any log group in the account); callers
 * add table access with `grantTableAccess`.
 *
 * The AWS SDK is bundled rather than taken from the runtime: the deployed code then runs the exact
 * SDK version the tests ran against (the runtime's copy changes under us), and esbuild tree-shakes
 * it into one file, which loads faster at cold start than resolving the runtime's many-file copy.
 * The cost is size: about 300 KiB of each ~850 KiB minified bundle is SDK and Smithy code.
 */
export class NodeLambda extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: NodeLambdaProps) {
    super(scope, id);
    if (props.entry.startsWith("/") || props.entry.includes("..")) {
      throw new Error(`NodeLambda ${id}: entry must be relative to the project root, got "${props.entry}"`);
    }

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, "Function", {
      entry: join(PROJECT_ROOT, props.entry),
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: "--enable-source-maps" },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        // shared/domain/errors.ts names errors from `new.target.name`; minified names would break that.
        keepNames: true,
        sourceMap: true,
        // Line mappings without embedded sources: stack traces point at the .ts files, the zip stays small.
        sourcesContent: false,
        bundleAwsSDK: true,
        charset: Charset.UTF8,
        logLevel: LogLevel.WARNING,
      },
    });
  }
}
