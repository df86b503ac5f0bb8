import { Match } from "aws-cdk-lib/assertions";
import type { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { addAwsSolutionsChecks } from "../../infra/nag.js";
import { DEV_CALLBACK_URL } from "../../infra/sign-in-config.js";
import { USER_TOKEN_ENV } from "../../shared/config.js";
import { asArray, field, type Json, resourcesOfType, type Synthesized, synthStage } from "./synth.js";

const SLOW = 120_000;

/** The authorizer function's environment, found by the role the stack gave it. */
function authorizerEnvironment(synth: Synthesized): Record<string, Json> {
  const { stateless } = synth.stacks;
  const ref = JSON.stringify(stateless.resolve(stateless.authorizer.role.roleArn));
  const [authorizer, ...others] = resourcesOfType(synth.stateless, "AWS::Lambda::Function").filter(
    (f) => JSON.stringify(f.properties.Role) === ref,
  );
  expect(others).toEqual([]);
  return (field(authorizer?.properties.Environment, "Variables") ?? {}) as Record<string, Json>;
}

function onlyResource(synth: Synthesized, type: string) {
  const [resource, ...others] = resourcesOfType(synth.stateful, type);
  expect(others, type).toEqual([]);
  if (!resource) throw new Error(`no ${type}`);
  return resource;
}

describe("frontend sign-in", () => {
  let dev: Synthesized;
  let prod: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
    prod = synthStage({
      config: {
        stage: "prod",
        signInCallbackUrls: "https://admin.isp.example/callback",
        signInDomainPrefix: "dhakanet-billing",
      },
    });
  });

  describe("the user pool (stateful stack)", () => {
    it("has the tenant and role as custom attributes, and no self sign-up", () => {
      const pool = onlyResource(dev, "AWS::Cognito::UserPool");

      expect(pool.properties.Schema).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Name: "tenantId", AttributeDataType: "String" }),
          expect.objectContaining({ Name: "role", AttributeDataType: "String" }),
        ]),
      );
      expect(pool.properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
      expect(pool.properties.UsernameAttributes).toEqual(["email"]);
    });

    it("lets app clients read the tenant and role but never write them", () => {
      for (const synth of [dev, prod]) {
        const client = onlyResource(synth, "AWS::Cognito::UserPoolClient");
        const written = asArray(client.properties.WriteAttributes);

        expect(written.length).toBeGreaterThan(0);
        expect(written.filter((a) => String(a).startsWith("custom:"))).toEqual([]);
        expect(asArray(client.properties.ReadAttributes)).toEqual(
          expect.arrayContaining(["custom:tenantId", "custom:role"]),
        );
      }
    });

    it("has one public SPA client: no secret, authorization code only, SRP and refresh", () => {
      prod.stateful.hasResourceProperties("AWS::Cognito::UserPoolClient", {
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ["code"],
        AllowedOAuthScopes: Match.arrayWith(["openid"]),
        CallbackURLs: ["https://admin.isp.example/callback"],
        LogoutURLs: ["https://admin.isp.example/callback"],
        ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        SupportedIdentityProviders: ["COGNITO"],
        PreventUserExistenceErrors: "ENABLED",
        EnableTokenRevocation: true,
      });
      prod.stateful.hasResourceProperties("AWS::Cognito::UserPoolDomain", { Domain: "dhakanet-billing" });
      dev.stateful.hasResourceProperties("AWS::Cognito::UserPoolClient", {
        AllowedOAuthFlows: ["code"],
        CallbackURLs: [DEV_CALLBACK_URL],
      });
      dev.stateful.resourceCountIs("AWS::Cognito::UserPoolDomain", 0);
    });

    it("offers no OAuth flow in prod until callback URLs are configured", () => {
      const bare = synthStage({ config: { stage: "prod" } });

      bare.stateful.hasResourceProperties("AWS::Cognito::UserPoolClient", {
        AllowedOAuthFlowsUserPoolClient: false,
        AllowedOAuthFlows: Match.absent(),
        CallbackURLs: Match.absent(),
      });
    });

    it("offers TOTP MFA, optional, and a strong password policy", () => {
      dev.stateful.hasResourceProperties("AWS::Cognito::UserPool", {
        MfaConfiguration: "OPTIONAL",
        EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
      });
    });

    it("enforces threat protection (Plus), retains and protects the pool in prod", () => {
      prod.stateful.hasResource("AWS::Cognito::UserPool", {
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: Match.objectLike({
          DeletionProtection: "ACTIVE",
          UserPoolTier: "PLUS",
          UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
        }),
      });
    });

    it("lets a dev pool be destroyed with its stack, on the Essentials plan", () => {
      dev.stateful.hasResource("AWS::Cognito::UserPool", {
        DeletionPolicy: "Delete",
        Properties: Match.objectLike({ DeletionProtection: "INACTIVE", UserPoolTier: "ESSENTIALS" }),
      });
    });
  });

  describe("the authorizer", () => {
    it("verifies ID tokens of the pool for the SPA client, with the pool's tenant and role claims", () => {
      const { stateful } = dev.stacks;
      const env = authorizerEnvironment(dev);
      const issuer = JSON.stringify(env[USER_TOKEN_ENV.issuer]);

      expect(issuer).toContain("https://cognito-idp.");
      expect(issuer).toContain("Fn::ImportValue");
      expect(issuer).toContain(stateful.stackName);
      expect(JSON.stringify(env[USER_TOKEN_ENV.audience])).toContain("Fn::ImportValue");
      expect(JSON.stringify(env[USER_TOKEN_ENV.jwksUri])).toContain("/.well-known/jwks.json");
      expect(env).toMatchObject({
        [USER_TOKEN_ENV.tokenUse]: "id",
        [USER_TOKEN_ENV.tenantClaim]: "custom:tenantId",
        [USER_TOKEN_ENV.roleClaim]: "custom:role",
      });
    });

    it("gets no other function the user-token configuration", () => {
      const withIssuer = resourcesOfType(dev.stateless, "AWS::Lambda::Function").filter((f) =>
        JSON.stringify(f.properties.Environment ?? {}).includes(USER_TOKEN_ENV.issuer),
      );

      expect(withIssuer).toHaveLength(1);
    });
  });

  describe("with the deployer's OIDC issuer instead", () => {
    let external: Synthesized;

    beforeAll(() => {
      external = synthStage({
        config: {
          stage: "prod",
          oidcIssuer: "https://login.isp.example/realms/isp",
          oidcAudience: "billing-spa, billing-admin",
          oidcTenantClaim: "isp_tenant",
          oidcRoleClaim: "isp_role",
        },
      });
    });

    it("creates no user pool", () => {
      external.stateful.resourceCountIs("AWS::Cognito::UserPool", 0);
      external.stateful.resourceCountIs("AWS::Cognito::UserPoolClient", 0);
      expect(external.stacks.stateful.frontendUsers).toBeUndefined();
    });

    it("configures the authorizer with that issuer, audience and claims, keys by discovery", () => {
      const env = authorizerEnvironment(external);

      expect(env).toMatchObject({
        [USER_TOKEN_ENV.issuer]: "https://login.isp.example/realms/isp",
        [USER_TOKEN_ENV.audience]: "billing-spa,billing-admin",
        [USER_TOKEN_ENV.tenantClaim]: "isp_tenant",
        [USER_TOKEN_ENV.roleClaim]: "isp_role",
      });
      expect(env[USER_TOKEN_ENV.jwksUri]).toBeUndefined();
      expect(env[USER_TOKEN_ENV.tokenUse]).toBeUndefined();
    });
  });

  it.each([
    ["dev", { stage: "dev" }],
    [
      "prod with callbacks and a domain",
      { stage: "prod", signInCallbackUrls: "https://a.example/cb", signInDomainPrefix: "isp-a" },
    ],
    [
      "prod with an external issuer",
      { stage: "prod", oidcIssuer: "https://id.example", oidcAudience: "spa" },
    ],
  ])(
    "%s passes cdk-nag and CloudFormation validation",
    (_, config) => {
      let pack: AwsSolutionsChecks | undefined;
      const { app } = synthStage({
        config,
        cfnValidation: true,
        beforeSynth: (a) => {
          pack = addAwsSolutionsChecks(a);
        },
      });

      expect(pack?.validateScope(app).violations ?? ["no pack"]).toEqual([]);
    },
    SLOW,
  );
});
