import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { retryDelaySeconds, WEBHOOK_MAX_ATTEMPTS } from "../../../../shared/domain/outbound-events/retry.js";
import {
  newSigningSecret,
  secretHint,
  signatureHeader,
} from "../../../../shared/domain/outbound-events/signature.js";
import { webhookUrlProblem } from "../../../../shared/domain/outbound-events/webhook-url.js";

const cloud = { allowLoopback: false };
const local = { allowLoopback: true };

describe("webhook URLs", () => {
  it("accepts public https URLs", () => {
    for (const url of [
      "https://isp.example/hooks",
      "https://hooks.example.com:8443/a?b=1",
      "https://8.8.8.8/x",
    ]) {
      expect(webhookUrlProblem(url, cloud), url).toBeUndefined();
    }
  });

  it("refuses plain http, credentials, fragments and internal addresses", () => {
    const refused = [
      "http://isp.example/hooks",
      "https://user:pw@isp.example/hooks",
      "https://isp.example/hooks#x",
      "https://127.0.0.1/hooks",
      "https://localhost/hooks",
      "https://10.1.2.3/hooks",
      "https://172.20.0.1/hooks",
      "https://192.168.1.1/hooks",
      "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/x",
      "https://[::1]/x",
      "https://[fd00::1]/x",
      "https://[::ffff:10.0.0.1]/x",
      "https://router.local/x",
      "https://metadata.google.internal/x",
      "ftp://isp.example/x",
      "not a url",
    ];
    for (const url of refused) expect(webhookUrlProblem(url, cloud), url).toBeTypeOf("string");
  });

  it("allows http on loopback only in local mode", () => {
    expect(webhookUrlProblem("http://127.0.0.1:4000/hooks", local)).toBeUndefined();
    expect(webhookUrlProblem("http://127.0.0.1:4000/hooks", cloud)).toBe("must not point at this machine");
    expect(webhookUrlProblem("http://10.0.0.1/hooks", local)).toBe("must be an https URL");
  });
});

describe("retries", () => {
  it("back off 4x from the base with bounded jitter, capped at SQS's 12 hours", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelaySeconds(n, 30, mid))).toEqual([
      30, 120, 480, 1920, 7680, 30720, 43200,
    ]);
    expect(retryDelaySeconds(1, 30, () => 0)).toBe(24);
    expect(retryDelaySeconds(1, 30, () => 0.999999)).toBe(36);
    expect(retryDelaySeconds(1, 1, () => 0)).toBe(1);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(8);
  });
});

describe("signatures", () => {
  it("are HMAC-SHA256 of t.body, one v1 per secret, in order", () => {
    const body = '{"id":"evt_1"}';
    const header = signatureHeader(["k1", "k2"], 1_700_000_000, body);
    const mac = (k: string) => createHmac("sha256", k).update(`1700000000.${body}`).digest("hex");
    expect(header).toBe(`t=1700000000,v1=${mac("k1")},v1=${mac("k2")}`);
    expect(() => signatureHeader([], 1, body)).toThrow();
  });

  it("secrets are 256 random bits and their hint gives away only the last 4 characters", () => {
    const a = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newSigningSecret()).not.toBe(a);
    expect(secretHint(a)).toBe(`whsec_...${a.slice(-4)}`);
  });
});
