import { JwtVerifier } from "aws-jwt-verify";
import { FetchError, NonRetryableFetchError } from "aws-jwt-verify/error";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import * as z from "zod";
import { isSecureOrLoopbackUrl, type UserTokenConfig } from "../../config.js";
import { UserTokenError, type UserTokenVerifier } from "../../ports/user-tokens.js";

/** Cognito and the common OIDC issuers sign with RS256; anything else (none, HS256, ES256) is refused. */
const ALGORITHM = "RS256";
/** The authorizer has 5 s in all (infra/stateless-stack.ts); a key fetch must leave room for the rest. */
const FETCH_TIMEOUT_MS = 2_000;

export interface JwtTokenVerifierOptions
  extends Pick<UserTokenConfig, "issuer" | "audience" | "jwksUri" | "tokenUse"> {
  /**
   * How the discovery document and the keys are fetched.
   * @default global fetch with a 2 s timeout, no redirects
   */
  readonly fetcher?: Fetcher;
}

/**
 * aws-jwt-verify against one issuer. The keys (JWKS) are fetched on the first token and cached for
 * the life of the execution environment; an unknown `kid` refetches them (key rotation), rate-limited
 * by the library. Without a configured JWKS URI, the issuer's OpenID discovery document names it.
 */
export class JwtTokenVerifier implements UserTokenVerifier {
  private readonly fetcher: Fetcher;
  private ready: Promise<Verifier> | undefined;

  constructor(private readonly options: JwtTokenVerifierOptions) {
    this.fetcher = options.fetcher ?? globalFetcher;
  }

  async verify(token: string): Promise<Readonly<Record<string, unknown>>> {
    const verifier = await this.verifier();
    try {
      return await verifier.verify(token);
    } catch (error) {
      const unavailable = error instanceof FetchError;
      throw new UserTokenError(unavailable ? "the issuer's keys could not be fetched" : "token refused", {
        reason: unavailable ? "issuer-unavailable" : "invalid",
        cause: error,
      });
    }
  }

  /** Built once; a failed discovery is forgotten so that the next request tries again. */
  private verifier(): Promise<Verifier> {
    this.ready ??= this.build().catch((error: unknown) => {
      this.ready = undefined;
      throw new UserTokenError("the issuer's discovery document could not be read", {
        reason: "issuer-unavailable",
        cause: error,
      });
    });
    return this.ready;
  }

  private async build(): Promise<Verifier> {
    const { issuer, audience, tokenUse } = this.options;
    const jwksUri = this.options.jwksUri ?? (await discoverJwksUri(issuer, this.fetcher));
    return createVerifier(issuer, audience, jwksUri, tokenUse, this.fetcher);
  }
}

function createVerifier(
  issuer: string,
  audience: readonly string[],
  jwksUri: string,
  tokenUse: UserTokenConfig["tokenUse"],
  fetcher: Fetcher,
) {
  return JwtVerifier.create(
    {
      issuer,
      audience: [...audience],
      jwksUri,
      customJwtCheck: ({ header, payload, jwk }) => {
        if (header.alg !== ALGORITHM || jwk.kty !== "RSA") throw new Error(`only ${ALGORITHM} is accepted`);
        // The library checks exp only when present: a token that never expires is refused here.
        if (typeof payload.exp !== "number") throw new Error("the token has no expiry");
        if (typeof payload.sub !== "string" || payload.sub === "")
          throw new Error("the token has no subject");
        if (tokenUse && payload.token_use !== tokenUse) throw new Error(`token_use must be ${tokenUse}`);
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );
}

type Verifier = ReturnType<typeof createVerifier>;

const DiscoveryDocument = z.object({ issuer: z.string(), jwks_uri: z.string() });

/** OpenID Connect Discovery 1.0 §4: the document must name the same issuer it was fetched for. */
async function discoverJwksUri(issuer: string, fetcher: Fetcher): Promise<string> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const body = new TextDecoder().decode(await fetcher.fetch(url));
  const document = DiscoveryDocument.parse(JSON.parse(body));
  if (document.issuer !== issuer) throw new Error(`the discovery document names issuer ${document.issuer}`);
  if (!isSecureOrLoopbackUrl(document.jwks_uri)) throw new Error("jwks_uri is not an https URL");
  return document.jwks_uri;
}

/** Node's fetch, which (unlike the library's https-only default) also reaches the local stand-in. */
export const globalFetcher: Fetcher = {
  async fetch(uri: string): Promise<ArrayBuffer> {
    if (!isSecureOrLoopbackUrl(uri)) throw new NonRetryableFetchError(uri, "not an https URL");
    let response: Response;
    try {
      response = await fetch(uri, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error" });
    } catch (error) {
      throw new FetchError(uri, error instanceof Error ? error.message : String(error));
    }
    if (response.status !== 200) {
      throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    }
    return response.arrayBuffer();
  },
};
