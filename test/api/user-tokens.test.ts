import { createHmac, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../shared/domain/ids.js";
import type { Role } from "../../shared/domain/schemas/api-key.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { type MintOptions, signingInput, signRs256 } from "../../shared/local/oidc-issuer.js";
import { createTenant } from "../../shared/services/tenants.js";
import {
  type ApiResponse,
  call,
  createWorld,
  ROLES,
  startTestCloud,
  type TenantWorld,
} from "../support/api.js";
import { allowedRoles, scenarios } from "../support/scenarios.js";

let cloud: LocalCloud;
let a: TenantWorld;
let b: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  [a, b] = await Promise.all([createWorld(cloud.deps, "users A"), createWorld(cloud.deps, "users B")]);
});
afterAll(async () => {
  await cloud?.stop();
});

function userToken(world: TenantWorld, role: string, options: Partial<MintOptions> = {}): string {
  return cloud.oidc.mint({ tenantId: world.tenantId, role, ...options });
}

/** What API Gateway answers when the authorizer says no: the same for a forged API key. */
function expectRefused(res: ApiResponse) {
  expect(res.status).toBe(403);
  expect(res.json).toEqual({ message: "Forbidden" });
}

function decode(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
}

/** One per permission: read, subscribers, money, network, keys. */
const REPRESENTATIVE = ["listPackages", "updateSubscriber", "createPackage", "createSite", "createApiKey"];

describe("frontend users' tokens", () => {
  const cases = REPRESENTATIVE.flatMap((opId) => ROLES.map((role) => [opId, role] as const));

  it.each(cases)("%s as a %s user, answered as for the same role's API key", async (opId, role: Role) => {
    const scenario = scenarios[opId];
    if (!scenario) throw new Error(`no scenario for ${opId}`);
    const send = async (token: string) => {
      const request = await scenario(a, cloud.deps);
      return call(cloud, request.method, request.path, { token, body: request.body });
    };

    const [byKey, byUser] = [await send(a.keys[role]), await send(userToken(a, role))];

    if (allowedRoles[opId]?.includes(role)) {
      expect(byUser.status, JSON.stringify(byUser.json)).toBe(byKey.status);
      expect(byUser.status).toBeGreaterThanOrEqual(200);
      expect(byUser.status).toBeLessThan(300);
    } else {
      expect([byKey.status, byUser.status]).toEqual([403, 403]);
      expect(byUser.headers.get("content-type")).toBe("application/problem+json");
      expect(byUser.json.title).toBe("Forbidden");
    }
  });

  it("records the user, by the token's subject, as the actor of what they change", async () => {
    const sub = "8f1c2d3e-0000-4000-8000-00000000abcd";
    const res = await call(cloud, "POST", `/v1/subscribers/${a.subscriberId}/actions`, {
      token: userToken(a, "support", { sub }),
      body: { action: "suspend", version: 1, note: "Called in: moving house" },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);

    const timeline = await call(cloud, "GET", `/v1/subscribers/${a.subscriberId}/timeline`, {
      token: a.keys.readonly,
    });
    const actors = timeline.json.items.map((e: { actor: unknown }) => e.actor);
    expect(actors).toContainEqual({ kind: "user", id: sub });
  });

  it("keeps API keys working beside user tokens", async () => {
    expect((await call(cloud, "GET", "/v1/packages", { token: a.keys.readonly })).status).toBe(200);
    expect((await call(cloud, "GET", "/v1/packages", { token: userToken(a, "readonly") })).status).toBe(200);
  });

  it("does not let a tenant A user read or change tenant B's records (404)", async () => {
    for (const role of ["owner", "readonly"]) {
      const token = userToken(a, role);
      expect((await call(cloud, "GET", `/v1/subscribers/${b.subscriberId}`, { token })).status).toBe(404);
      expect((await call(cloud, "GET", `/v1/packages/${b.packageId}`, { token })).status).toBe(404);
    }
    const patch = await call(cloud, "PATCH", `/v1/subscribers/${b.subscriberId}`, {
      token: userToken(a, "owner"),
      body: { version: 1, name: "Taken over" },
    });
    expect(patch.status).toBe(404);
  });

  describe("refuses, as for a forged API key", () => {
    const refuse = async (token: string) =>
      expectRefused(await call(cloud, "GET", "/v1/packages", { token }));

    it("an expired token", async () => {
      await refuse(userToken(a, "owner", { expiresInSeconds: -60 }));
    });

    it("a token of another issuer", async () => {
      await refuse(userToken(a, "owner", { claims: { iss: "https://issuer.example" } }));
    });

    it("a token for another audience (app client)", async () => {
      await refuse(userToken(a, "owner", { claims: { aud: "another-client" } }));
    });

    it("an access token where an ID token is required", async () => {
      await refuse(userToken(a, "owner", { claims: { token_use: "access" } }));
    });

    it("a token without an expiry", async () => {
      await refuse(userToken(a, "owner", { claims: { exp: undefined } }));
    });

    it("a token whose claims were changed after signing", async () => {
      const [header, payload, signature] = userToken(a, "readonly").split(".");
      const promoted = { ...decode(payload), "custom:role": "owner" };
      await refuse(`${signingInput(decode(header), promoted)}.${signature}`);
    });

    it('an unsigned token (alg "none")', async () => {
      const [header, payload] = userToken(a, "owner").split(".");
      const input = signingInput({ ...decode(header), alg: "none" }, decode(payload));
      await refuse(`${input}.`);
    });

    it("an HS256 token keyed with the issuer's public key", async () => {
      const [header, payload] = userToken(a, "owner").split(".");
      const input = signingInput({ ...decode(header), alg: "HS256" }, decode(payload));
      for (const secret of [
        cloud.oidc.publicKey.export({ format: "pem", type: "spki" }),
        JSON.stringify(cloud.oidc.publicKey.export({ format: "jwk" })),
      ]) {
        await refuse(`${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`);
      }
    });

    it("a token signed by another key under the issuer's key id", async () => {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const [header, payload] = userToken(a, "owner").split(".");
      await refuse(signRs256(decode(header), decode(payload), privateKey));
    });

    it("a role the API does not know, or none", async () => {
      await refuse(userToken(a, "superuser"));
      await refuse(userToken(a, "Owner"));
      await refuse(userToken(a, "owner", { claims: { "custom:role": undefined } }));
    });

    it("a missing, malformed or unknown tenant", async () => {
      await refuse(userToken(a, "owner", { claims: { "custom:tenantId": undefined } }));
      await refuse(userToken(a, "owner", { claims: { "custom:tenantId": "tenant-a" } }));
      await refuse(cloud.oidc.mint({ tenantId: newId("tenant"), role: "owner" }));
    });

    it("a user of a disabled tenant", async () => {
      const { tenant } = await createTenant(cloud.deps, {
        name: "Closed ISP",
        timeZone: "Asia/Dhaka",
        currency: "BDT",
      });
      const disabled = { ...tenant, id: newId("tenant"), status: "disabled" as const };
      await cloud.deps.repos.tenants.create(disabled);
      await refuse(cloud.oidc.mint({ tenantId: disabled.id, role: "owner" }));
      expect(
        (
          await call(cloud, "GET", "/v1/packages", {
            token: cloud.oidc.mint({ tenantId: tenant.id, role: "owner" }),
          })
        ).status,
      ).toBe(200);
    });

    it("a token that is no JWT at all", async () => {
      await refuse("not-a-token");
      await refuse("a.b.c");
    });
  });
});
