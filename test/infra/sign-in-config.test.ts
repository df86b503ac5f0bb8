import { describe, expect, it } from "vitest";
import { resolveStageConfig, StageConfigError } from "../../infra/config.js";
import { DEV_CALLBACK_URL } from "../../infra/sign-in-config.js";

describe("sign-in configuration", () => {
  it("creates a user pool by default: Plus in prod, Essentials in dev with the local SPA's callback", () => {
    expect(resolveStageConfig({}).signIn).toEqual({
      kind: "cognito",
      callbackUrls: [DEV_CALLBACK_URL],
      logoutUrls: [DEV_CALLBACK_URL],
      domainPrefix: undefined,
      featurePlan: "essentials",
    });
    expect(resolveStageConfig({ stage: "prod" }).signIn).toEqual({
      kind: "cognito",
      callbackUrls: [],
      logoutUrls: [],
      domainPrefix: undefined,
      featurePlan: "plus",
    });
  });

  it("takes callback and logout URLs and the hosted sign-in's domain prefix from the context", () => {
    const { signIn } = resolveStageConfig({
      stage: "prod",
      signInCallbackUrls: "https://admin.isp.example/callback, https://isp.example/admin/callback",
      signInLogoutUrls: "https://admin.isp.example/",
      signInDomainPrefix: "dhakanet-billing",
    });

    expect(signIn).toMatchObject({
      kind: "cognito",
      callbackUrls: ["https://admin.isp.example/callback", "https://isp.example/admin/callback"],
      logoutUrls: ["https://admin.isp.example/"],
      domainPrefix: "dhakanet-billing",
    });
  });

  it("uses the deployer's OIDC issuer instead, with Cognito's claim names unless told otherwise", () => {
    const { signIn } = resolveStageConfig({
      stage: "prod",
      oidcIssuer: "https://login.isp.example/realms/isp",
      oidcAudience: ["billing-spa"],
    });

    expect(signIn).toEqual({
      kind: "oidc",
      issuer: "https://login.isp.example/realms/isp",
      audience: ["billing-spa"],
      jwksUri: undefined,
      tokenUse: undefined,
      tenantClaim: "custom:tenantId",
      roleClaim: "custom:role",
    });
  });

  it("treats an empty context value as unset", () => {
    expect(resolveStageConfig({ oidcIssuer: "", signInDomainPrefix: "" }).signIn.kind).toBe("cognito");
  });

  it.each([
    [{ oidcIssuer: "https://id.example" }, /oidcAudience: is required with oidcIssuer/],
    [{ oidcIssuer: "http://id.example", oidcAudience: "spa" }, /oidcIssuer: must be an https URL/],
    [
      { oidcIssuer: "https://id.example", oidcAudience: "spa", oidcJwksUri: "http://id.example/k" },
      /oidcJwksUri/,
    ],
    [{ oidcIssuer: "https://id.example", oidcAudience: "spa", oidcTokenUse: "refresh" }, /oidcTokenUse/],
    [{ oidcAudience: "spa" }, /oidcAudience: is set without oidcIssuer/],
    [{ oidcTenantClaim: "tenant" }, /oidcTenantClaim: is set without oidcIssuer/],
    [
      { oidcIssuer: "https://id.example", oidcAudience: "spa", signInDomainPrefix: "isp" },
      /signInDomainPrefix: configures the user pool, which oidcIssuer replaces/,
    ],
    [{ signInCallbackUrls: "ftp://admin.example/cb" }, /signInCallbackUrls/],
    [{ signInCallbackUrls: "http://admin.example/cb" }, /signInCallbackUrls/],
    [{ signInCallbackUrls: "https://admin.example/#cb" }, /signInCallbackUrls/],
    [{ stage: "prod", signInCallbackUrls: "http://localhost:5173/" }, /prod must use https URLs/],
    [{ signInDomainPrefix: "Dhaka_Net" }, /signInDomainPrefix: must be lower-case/],
    [{ signInDomainPrefix: "my-cognito-login" }, /may not contain/],
  ])("rejects %j at synth time", (input, message) => {
    expect(() => resolveStageConfig(input)).toThrow(StageConfigError);
    expect(() => resolveStageConfig(input)).toThrow(message);
  });
});
