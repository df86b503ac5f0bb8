import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtParseError,
} from "aws-jwt-verify/error";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwtTokenVerifier } from "../../../../shared/adapters/auth/jwt-token-verifier.js";
import {
  type LocalOidcIssuer,
  signingInput,
  signRs256,
  startLocalOidcIssuer,
} from "../../../../shared/local/oidc-issuer.js";
import { UserTokenError } from "../../../../shared/ports/user-tokens.js";

let issuer: LocalOidcIssuer;
let verifier: JwtTokenVerifier;

beforeAll(async () => {
  issuer = await startLocalOidcIssuer();
  verifier = new JwtTokenVerifier(issuer.config);
});
afterAll(async () => {
  await issuer?.stop();
});

const TENANT = "ten_01J00000000000000000000000";

function parts(token: string) {
  const [header, payload] = token.split(".");
  const decode = (p: string | undefined) => JSON.parse(Buffer.from(p ?? "", "base64url").toString("utf8"));
  return { header: decode(header), payload: decode(payload) };
}

async function refusal(token: string): Promise<UserTokenError> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UserTokenError)) throw new Error(`expected a UserTokenError, got ${String(error)}`);
  return error;
}

describe("JwtTokenVerifier", () => {
  it("returns the claims of a token of the configured issuer, found by OpenID discovery", async () => {
    const claims = await verifier.verify(issuer.mint({ tenantId: TENANT, role: "billing", sub: "u-1" }));

    expect(claims).toMatchObject({ sub: "u-1", "custom:tenantId": TENANT, "custom:role": "billing" });
  });

  it.each([
    ["expired", { expiresInSeconds: -5 }, JwtExpiredError],
    ["of another issuer", { claims: { iss: "https://issuer.example" } }, JwtInvalidIssuerError],
    ["for another audience", { claims: { aud: "another-client" } }, JwtInvalidAudienceError],
  ] as const)("refuses a token %s for that reason", async (_, options, cause) => {
    const error = await refusal(issuer.mint({ tenantId: TENANT, role: "owner", ...options }));

    expect(error.reason).toBe("invalid");
    expect(error.cause).toBeInstanceOf(cause);
  });

  it("refuses a token whose payload was changed after signing: the signature fails", async () => {
    const token = issuer.mint({ tenantId: TENANT, role: "readonly" });
    const { header, payload } = parts(token);
    const forged = `${signingInput(header, { ...payload, "custom:role": "owner" })}.${token.split(".")[2]}`;

    expect((await refusal(forged)).cause).toBeInstanceOf(JwtInvalidSignatureError);
  });

  it('refuses alg "none" and HS256 keyed with the public key: the algorithm fails', async () => {
    const { header, payload } = parts(issuer.mint({ tenantId: TENANT, role: "owner" }));
    // Unsigned as RFC 7519 writes it (empty signature) is malformed; with any signature, alg decides.
    const unsigned = `${signingInput({ ...header, alg: "none" }, payload)}.`;
    expect((await refusal(unsigned)).cause).toBeInstanceOf(JwtParseError);
    const none = `${unsigned}c2lnbmF0dXJl`;
    const hsInput = signingInput({ ...header, alg: "HS256" }, payload);
    const pem = issuer.publicKey.export({ format: "pem", type: "spki" });
    const hs256 = `${hsInput}.${createHmac("sha256", pem).update(hsInput).digest("base64url")}`;

    for (const token of [none, hs256]) {
      expect((await refusal(token)).cause).toBeInstanceOf(JwtInvalidSignatureAlgorithmError);
    }
  });

  it("refuses a token signed by another key under the issuer's key id", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const { header, payload } = parts(issuer.mint({ tenantId: TENANT, role: "owner" }));

    expect((await refusal(signRs256(header, payload, privateKey))).cause).toBeInstanceOf(
      JwtInvalidSignatureError,
    );
  });

  it("refuses a token without expiry, without subject or of the wrong token use", async () => {
    for (const claims of [{ exp: undefined }, { sub: undefined }, { token_use: "access" }]) {
      const error = await refusal(issuer.mint({ tenantId: TENANT, role: "owner", claims }));
      expect(error.reason, JSON.stringify(claims)).toBe("invalid");
    }
  });

  it("reports an unreachable issuer as unavailable, and tries discovery again on the next token", async () => {
    const later = await startLocalOidcIssuer();
    const url = new URL(later.issuer);
    await later.stop();
    const unreachable = new JwtTokenVerifier({ ...later.config });

    const token = later.mint({ tenantId: TENANT, role: "owner" });
    const error = await unreachable.verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserTokenError);
    expect((error as UserTokenError).reason).toBe("issuer-unavailable");

    // The same address answering again: the failed discovery was not kept.
    const revived = createServer((_, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer: "https://elsewhere.example", jwks_uri: `${later.issuer}/jwks` }));
    });
    await new Promise<void>((resolve) => revived.listen(Number(url.port), "127.0.0.1", resolve));
    try {
      expect((revived.address() as AddressInfo).port).toBe(Number(url.port));
      // It answers now, but for another issuer: discovery refuses that too (OIDC Discovery §4.3).
      const mismatch = await unreachable.verify(token).catch((e: unknown) => e);
      expect((mismatch as UserTokenError).reason).toBe("issuer-unavailable");
      expect(String((mismatch as UserTokenError).cause)).toContain("elsewhere.example");
    } finally {
      revived.closeAllConnections();
      await new Promise((resolve) => revived.close(resolve));
    }
  });
});
