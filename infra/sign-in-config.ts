import * as z from "zod";
import { COGNITO_ROLE_CLAIM, COGNITO_TENANT_CLAIM, type UserTokenConfig } from "../shared/config.js";

/**
 * How frontend users sign in: a Cognito user pool the stateful stack creates (the default), or the
 * deployer's own OpenID Connect issuer (`-c oidcIssuer=...`), whose tokens the authorizer verifies
 * instead. Either way the API keys keep working beside them.
 */
export type SignInConfig = CognitoSignInConfig | OidcSignInConfig;

export interface CognitoSignInConfig {
  readonly kind: "cognito";
  /**
   * Where the hosted sign-in may return the SPA with an authorization code (PKCE). Empty = no OAuth
   * flow: the SPA signs in with SRP (Amplify `signIn`) only.
   */
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  /** The hosted sign-in at `<prefix>.auth.<region>.amazoncognito.com`; `undefined` = none. */
  readonly domainPrefix: string | undefined;
  /**
   * PLUS (prod) enforces threat protection: compromised-credential and risky sign-in checks, billed
   * per monthly active user with no free tier. ESSENTIALS elsewhere.
   */
  readonly featurePlan: "essentials" | "plus";
}

/** The deployer's issuer: its tokens' issuer, audience and the claims naming tenant and role. */
export interface OidcSignInConfig extends UserTokenConfig {
  readonly kind: "oidc";
}

/**
 * The SPA's address on this machine (Vite's dev server): dev pools accept it, so a frontend under
 * development signs in against a deployed dev stage without configuration.
 */
export const DEV_CALLBACK_URL = "http://localhost:5173/";

/** What `cdk synth -c ...` may say about sign-in (infra/app.ts reads them from the context). */
export interface SignInInput {
  /** `-c oidcIssuer=https://login.isp.example/realms/isp`: use this issuer instead of a user pool. */
  readonly oidcIssuer?: unknown;
  /** `-c oidcAudience=client-a,client-b`: the `aud` values accepted (required with oidcIssuer). */
  readonly oidcAudience?: unknown;
  /** `-c oidcJwksUri=...`; defaults to the issuer's OpenID discovery document. */
  readonly oidcJwksUri?: unknown;
  /** `-c oidcTokenUse=id|access`: the `token_use` required, for issuers that set one. */
  readonly oidcTokenUse?: unknown;
  /** `-c oidcTenantClaim=...`, `-c oidcRoleClaim=...`; default custom:tenantId, custom:role. */
  readonly oidcTenantClaim?: unknown;
  readonly oidcRoleClaim?: unknown;
  /** `-c signInCallbackUrls=https://admin.isp.example/callback` (user pool only). */
  readonly signInCallbackUrls?: unknown;
  readonly signInLogoutUrls?: unknown;
  /** `-c signInDomainPrefix=dhakanet-billing` (user pool only): the hosted sign-in's domain. */
  readonly signInDomainPrefix?: unknown;
}

const HttpsUrl = z
  .string()
  .refine(
    (v) => URL.canParse(v) && new URL(v).protocol === "https:" && !new URL(v).hash,
    "must be an https URL without a fragment",
  );

/** Cognito takes https, or http on localhost alone; never a fragment. */
const RedirectUrl = z
  .string()
  .refine(
    (v) =>
      URL.canParse(v) &&
      !new URL(v).hash &&
      (new URL(v).protocol === "https:" ||
        (new URL(v).protocol === "http:" && new URL(v).hostname === "localhost")),
    "must be an https URL (or http://localhost) without a fragment",
  );

/** A comma-separated context value (or a cdk.json array) as a list. */
function list(item: z.ZodType<string, string>) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (typeof v === "string" ? v.split(",") : v)?.map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).optional());
}

/** Cognito's rule for prefix domains: lower-case letters, digits and hyphens, no AWS names. */
const DomainPrefix = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "must be lower-case letters, digits and hyphens")
  .refine((v) => !/aws|amazon|cognito/.test(v), 'may not contain "aws", "amazon" or "cognito"');

export const SignInInputShape = {
  oidcIssuer: HttpsUrl.optional(),
  oidcAudience: list(z.string().min(1)),
  oidcJwksUri: HttpsUrl.optional(),
  oidcTokenUse: z.enum(["id", "access"]).optional(),
  oidcTenantClaim: z.string().min(1).optional(),
  oidcRoleClaim: z.string().min(1).optional(),
  signInCallbackUrls: list(RedirectUrl),
  signInLogoutUrls: list(RedirectUrl),
  signInDomainPrefix: DomainPrefix.optional(),
};

type SignInParsed = z.infer<z.ZodObject<typeof SignInInputShape>>;

const OIDC_ONLY = [
  "oidcAudience",
  "oidcJwksUri",
  "oidcTokenUse",
  "oidcTenantClaim",
  "oidcRoleClaim",
] as const;
const POOL_ONLY = ["signInCallbackUrls", "signInLogoutUrls", "signInDomainPrefix"] as const;

/** The rules across fields: an issuer with its audience, and no user-pool settings beside it. */
export function refineSignInInput(input: SignInParsed & { stage: string }, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (input.oidcIssuer) {
    if (!input.oidcAudience?.length) issue("oidcAudience", "is required with oidcIssuer (the client ids)");
    for (const key of POOL_ONLY) {
      if (input[key] !== undefined) issue(key, "configures the user pool, which oidcIssuer replaces");
    }
  } else {
    for (const key of OIDC_ONLY) if (input[key] !== undefined) issue(key, "is set without oidcIssuer");
  }
  if (input.stage === "prod") {
    for (const key of ["signInCallbackUrls", "signInLogoutUrls"] as const) {
      if (input[key]?.some((url) => url.startsWith("http:"))) issue(key, "prod must use https URLs");
    }
  }
}

export function resolveSignInConfig(input: SignInParsed, stage: "dev" | "prod"): SignInConfig {
  if (input.oidcIssuer) {
    return {
      kind: "oidc",
      issuer: input.oidcIssuer,
      audience: input.oidcAudience ?? [],
      jwksUri: input.oidcJwksUri,
      tokenUse: input.oidcTokenUse,
      tenantClaim: input.oidcTenantClaim ?? COGNITO_TENANT_CLAIM,
      roleClaim: input.oidcRoleClaim ?? COGNITO_ROLE_CLAIM,
    };
  }
  const devDefault = stage === "dev" ? [DEV_CALLBACK_URL] : [];
  const callbackUrls = input.signInCallbackUrls ?? devDefault;
  return {
    kind: "cognito",
    callbackUrls,
    logoutUrls: input.signInLogoutUrls ?? (input.signInCallbackUrls ? callbackUrls : devDefault),
    domainPrefix: input.signInDomainPrefix,
    featurePlan: stage === "prod" ? "plus" : "essentials",
  };
}

/** The context keys of SignInInput, as `cdk synth -c <key>=...` takes them. */
export const SIGN_IN_CONTEXT_KEYS = Object.keys(SignInInputShape) as readonly (keyof SignInInput)[];

/** The raw context values, an empty one (`-c oidcIssuer=`) meaning unset. */
export function signInInputFrom(input: SignInInput): Record<keyof SignInInput, unknown> {
  return Object.fromEntries(
    SIGN_IN_CONTEXT_KEYS.map((key) => [
      key,
      input[key] === "" || input[key] === null ? undefined : input[key],
    ]),
  ) as Record<keyof SignInInput, unknown>;
}
