import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { COGNITO_ROLE_CLAIM, COGNITO_TENANT_CLAIM, type UserTokenConfig } from "../config.js";

/**
 * A local stand-in for the frontend users' issuer (a Cognito user pool in AWS): a loopback HTTP
 * server with the OpenID discovery document and a JWKS of one RSA key, and `mint`, which signs
 * Cognito-shaped ID tokens with that key. The local cloud points the authorizer at it, so local
 * sign-ins go through the same signature, issuer, audience and claim checks as in AWS.
 */
export interface LocalOidcIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  /** The app client id that tokens name as `aud`. */
  readonly audience: string;
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** What the authorizer is configured with (USER_TOKEN_ENV) to accept this issuer's tokens. */
  readonly config: UserTokenConfig;
  /** An RS256 ID token for a user of a tenant, as the user pool would issue it. */
  mint(options: MintOptions): string;
  stop(): Promise<void>;
}

export interface MintOptions {
  readonly tenantId: string;
  readonly role: string;
  /** @default a new UUID, as Cognito's `sub` */
  readonly sub?: string;
  /** Negative for a token that has already expired. @default 3600 */
  readonly expiresInSeconds?: number;
  /** Claims to add or replace (`iss`, `aud`, `token_use`...); `undefined` removes one. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export const LOCAL_OIDC_AUDIENCE = "local-spa";

export async function startLocalOidcIssuer(): Promise<LocalOidcIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyId = randomUUID();
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: keyId, alg: "RS256", use: "sig" };
  let issuer = "";
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const body =
      path === "/.well-known/openid-configuration"
        ? discoveryDocument(issuer)
        : path === "/.well-known/jwks.json"
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? { message: "Not Found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;
  const jwksUri = `${issuer}/.well-known/jwks.json`;

  return {
    issuer,
    jwksUri,
    audience: LOCAL_OIDC_AUDIENCE,
    keyId,
    publicKey,
    // The JWKS URI is left to discovery, as for an external issuer; token_use as Cognito's ID tokens.
    config: {
      issuer,
      audience: [LOCAL_OIDC_AUDIENCE],
      jwksUri: undefined,
      tokenUse: "id",
      tenantClaim: COGNITO_TENANT_CLAIM,
      roleClaim: COGNITO_ROLE_CLAIM,
    },
    mint: (options) => {
      const now = Math.floor(Date.now() / 1000);
      const sub = options.sub ?? randomUUID();
      const payload: Record<string, unknown> = {
        sub,
        aud: LOCAL_OIDC_AUDIENCE,
        iss: issuer,
        token_use: "id",
        auth_time: now,
        iat: now,
        exp: now + (options.expiresInSeconds ?? 3600),
        "cognito:username": sub,
        [COGNITO_TENANT_CLAIM]: options.tenantId,
        [COGNITO_ROLE_CLAIM]: options.role,
        ...options.claims,
      };
      return signRs256({ alg: "RS256", kid: keyId, typ: "JWT" }, payload, privateKey);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function discoveryDocument(issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}

/** `header.payload` of a JWS in compact form; claims set to `undefined` are left out. */
export function signingInput(header: object, payload: object): string {
  return `${base64url(header)}.${base64url(payload)}`;
}

export function signRs256(header: object, payload: object, privateKey: KeyObject): string {
  const input = signingInput(header, payload);
  return `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
