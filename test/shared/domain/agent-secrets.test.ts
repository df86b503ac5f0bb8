import { describe, expect, it } from "vitest";
import {
  mintAgentToken,
  mintEnrollmentCode,
  parseAgentToken,
  parseEnrollmentCode,
  sameDigest,
  sha256Hex,
} from "../../../shared/domain/agent-secrets.js";

const TENANT = "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C";
const SITE = "site_01JD3Q7Z8K5V6W9XR2T4N0PB1A";

describe("enrollment codes and agent tokens", () => {
  it("mints a pasteable code naming tenant and site, with 128 random bits stored only as a hash", () => {
    const { code, hash } = mintEnrollmentCode(TENANT, SITE);
    expect(code).toMatch(new RegExp(`^ENR-${TENANT}-${SITE}-[0-9A-HJKMNP-TV-Z]{26}$`));
    const parts = parseEnrollmentCode(` ${code}\n`);
    expect(parts).toMatchObject({ tenantId: TENANT, siteId: SITE });
    expect(hash).toBe(sha256Hex(parts?.secret ?? ""));
    expect(hash).not.toContain(parts?.secret);
  });

  it("never repeats a code's secret", () => {
    const secrets = new Set(
      Array.from({ length: 2000 }, () => parseEnrollmentCode(mintEnrollmentCode(TENANT, SITE).code)?.secret),
    );
    expect(secrets.size).toBe(2000);
  });

  it("mints a token that names its generation and parses back", () => {
    const { token, hash } = mintAgentToken(TENANT, SITE, 7);
    const parts = parseAgentToken(token);
    expect(parts).toMatchObject({ tenantId: TENANT, siteId: SITE, generation: 7 });
    expect(parts?.secret).toHaveLength(43);
    expect(sameDigest(hash, sha256Hex(parts?.secret ?? ""))).toBe(true);
  });

  it("rejects look-alikes", () => {
    const { code } = mintEnrollmentCode(TENANT, SITE);
    const { token } = mintAgentToken(TENANT, SITE, 1);
    for (const bad of [code.slice(0, -1), code.replace("ENR-", "ENX-"), `${code}A`, token]) {
      expect(parseEnrollmentCode(bad)).toBeUndefined();
    }
    for (const bad of [token.replace(".1.", ".0."), token.slice(0, -1), `isp${token.slice(3)}`, code]) {
      expect(parseAgentToken(bad)).toBeUndefined();
    }
    expect(sameDigest("", "")).toBe(false);
    expect(sameDigest(sha256Hex("a"), sha256Hex("b"))).toBe(false);
  });
});
