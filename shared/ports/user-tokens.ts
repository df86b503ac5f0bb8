/**
 * Verifies a frontend user's bearer token (a JWT from the deployer's Cognito user pool or OIDC
 * issuer): signature against the issuer's published keys, issuer, audience, token use and lifetime.
 * Implementation: shared/adapters/auth/jwt-token-verifier.ts (aws-jwt-verify).
 */
export interface UserTokenVerifier {
  /** The claims of a token that passed every check; throws UserTokenError otherwise. */
  verify(token: string): Promise<Readonly<Record<string, unknown>>>;
}

/**
 * A token was refused (`invalid`), or could not be checked because the issuer's discovery document
 * or keys could not be had (`issuer-unavailable`, an operator's problem). Never carries the token.
 */
export class UserTokenError extends Error {
  readonly reason: "invalid" | "issuer-unavailable";

  constructor(message: string, options: { reason?: "invalid" | "issuer-unavailable"; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "UserTokenError";
    this.reason = options.reason ?? "invalid";
  }
}
