import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { COGNITO_ROLE_CLAIM, COGNITO_TENANT_CLAIM, type UserTokenConfig } from "../../shared/config.js";
import { RoleSchema } from "../../shared/domain/schemas/api-key.js";
import type { CognitoSignInConfig } from "../sign-in-config.js";

export interface FrontendUserPoolProps {
  readonly userPoolName: string;
  readonly signIn: CognitoSignInConfig;
  /**
   * Applied to the user pool: deleting it deletes every user.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true */
  readonly deletionProtection?: boolean;
}

/** `custom:tenantId` -> `tenantId`: the pool defines attributes by their name without the prefix. */
const TENANT_ATTRIBUTE = COGNITO_TENANT_CLAIM.replace(/^custom:/, "");
const ROLE_ATTRIBUTE = COGNITO_ROLE_CLAIM.replace(/^custom:/, "");
/** `ten_` and a ULID (shared/domain/ids.ts). */
const TENANT_ID_LENGTH = 30;

export const MFA_OPTIONAL_REASON =
  "MFA is optional, not required: ISP staff often sign in from shared counter PCs without an authenticator app, and Cognito cannot relax a pool created with MFA required. TOTP is offered to every user; owners can require it per user (AdminSetUserMFAPreference), and in prod threat protection (Plus) challenges or blocks risky sign-ins.";
export const ESSENTIALS_PLAN_REASON =
  "Dev pools hold test users only; the Plus plan (threat protection) is billed per monthly active user with no free tier. Prod pools run Plus with threat protection enforced.";

/**
 * The frontend users' directory: sign-in by e-mail, no self sign-up (an owner or operator creates
 * users and sets their tenant and role), and the custom attributes `custom:tenantId` and
 * `custom:role` that the API's authorizer maps to the caller. No app client may write them, so a
 * user cannot move to another tenant or raise their role: only AdminUpdateUserAttributes can.
 *
 * One app client, for single-page apps: public (no secret), the authorization code flow (with PKCE,
 * which a public client must use) when callback URLs are configured, and SRP sign-in for SDKs.
 */
export class FrontendUserPool extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain | undefined;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>`, the `iss` of the pool's tokens. */
  readonly issuer: string;
  /** What the authorizer accepts: this pool's ID tokens for this client (shared/config.ts). */
  readonly tokens: UserTokenConfig;

  constructor(scope: Construct, id: string, props: FrontendUserPoolProps) {
    super(scope, id);
    const { signIn } = props;
    const plus = signIn.featurePlan === "plus";
    this.userPool = new UserPool(this, "UserPool", {
      userPoolName: props.userPoolName,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        [TENANT_ATTRIBUTE]: new StringAttribute({
          minLen: TENANT_ID_LENGTH,
          maxLen: TENANT_ID_LENGTH,
          mutable: true,
        }),
        [ROLE_ATTRIBUTE]: new StringAttribute({
          minLen: 1,
          maxLen: Math.max(...RoleSchema.options.map((r) => r.length)),
          mutable: true,
        }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: plus ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(plus ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({ id: "AwsSolutions-COG2", reason: MFA_OPTIONAL_REASON });
    if (!plus) {
      Validations.of(this.userPool).acknowledge({ id: "AwsSolutions-COG8", reason: ESSENTIALS_PLAN_REASON });
    }

    this.client = this.addSpaClient(signIn);
    this.domain = signIn.domainPrefix
      ? this.userPool.addDomain("SignIn", { cognitoDomain: { domainPrefix: signIn.domainPrefix } })
      : undefined;
    const { region, urlSuffix } = Stack.of(this);
    this.issuer = `https://cognito-idp.${region}.${urlSuffix}/${this.userPool.userPoolId}`;
    this.tokens = {
      issuer: this.issuer,
      audience: [this.client.userPoolClientId],
      // Cognito's keys are at a fixed place under the issuer: no discovery call at cold start.
      jwksUri: `${this.issuer}/.well-known/jwks.json`,
      // ID tokens carry the custom attributes; access tokens do not.
      tokenUse: "id",
      tenantClaim: COGNITO_TENANT_CLAIM,
      roleClaim: COGNITO_ROLE_CLAIM,
    };
  }

  private addSpaClient(signIn: CognitoSignInConfig): UserPoolClient {
    const readable = new ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
      .withCustomAttributes(TENANT_ATTRIBUTE, ROLE_ATTRIBUTE);
    // Tenant and role are left out on purpose: a user must not be able to change them.
    const writable = new ClientAttributes().withStandardAttributes({ email: true, fullname: true });
    const oAuth = signIn.callbackUrls.length > 0;
    return this.userPool.addClient("Spa", {
      generateSecret: false,
      authFlows: { userSrp: true },
      ...(oAuth
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
              callbackUrls: [...signIn.callbackUrls],
              logoutUrls: [...signIn.logoutUrls],
            },
          }
        : { disableOAuth: true }),
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      readAttributes: readable,
      writeAttributes: writable,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(7),
    });
  }
}
