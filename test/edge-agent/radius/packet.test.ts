import { describe, expect, it } from "vitest";
import {
  decodeAttributes,
  encodeAttributes,
  encodeRequest,
  parsePacket,
  type RadiusAttribute,
  RadiusDecodeError,
  RadiusEncodeError,
  verifyReply,
} from "../../../edge-agent/radius/index.js";
import { attributeOffset, hmacMd5, md5, signReply, tlv, uint32 } from "./helpers.js";

const SECRET = "testing123";
const secret = Buffer.from(SECRET);
const session: RadiusAttribute[] = [
  { name: "User-Name", value: "alice" },
  { name: "Acct-Session-Id", value: "81a00001" },
  { name: "Framed-IP-Address", value: "10.0.0.7" },
];

describe("encodeRequest", () => {
  it("writes the header and attributes byte for byte", () => {
    const packet = encodeRequest({
      code: 40,
      identifier: 7,
      attributes: session,
      secret,
      messageAuthenticator: false,
    });

    const area = Buffer.concat([tlv(1, "alice"), tlv(44, "81a00001"), tlv(8, Buffer.from([10, 0, 0, 7]))]);
    expect(packet.subarray(0, 4)).toEqual(Buffer.from([40, 7, 0, 20 + area.length]));
    expect(packet.subarray(20)).toEqual(area);
  });

  it("sets Request Authenticator = MD5(Code|Id|Length|16 zero octets|Attributes|Secret)", () => {
    const packet = encodeRequest({
      code: 43,
      identifier: 200,
      attributes: session,
      secret,
      messageAuthenticator: false,
    });

    const zeroed = Buffer.from(packet).fill(0, 4, 20);
    expect(packet.subarray(4, 20)).toEqual(md5(zeroed, secret));
  });

  it("computes the Message-Authenticator first, over zeroed authenticator and value, then the Request Authenticator", () => {
    const packet = encodeRequest({
      code: 43,
      identifier: 9,
      attributes: session,
      secret,
      messageAuthenticator: true,
    });

    const ma = attributeOffset(packet, 80);
    expect(ma).toBe(22); // placed first
    const forHmac = Buffer.from(packet)
      .fill(0, 4, 20)
      .fill(0, ma, ma + 16);
    expect(packet.subarray(ma, ma + 16)).toEqual(hmacMd5(SECRET, forHmac));
    const forMd5 = Buffer.from(packet).fill(0, 4, 20); // Message-Authenticator already filled in
    expect(packet.subarray(4, 20)).toEqual(md5(forMd5, secret));
  });

  it("does not mutate the caller's attribute array", () => {
    const attributes = [...session];
    encodeRequest({ code: 40, identifier: 1, attributes, secret, messageAuthenticator: true });
    expect(attributes).toEqual(session);
  });

  it("rejects a caller-supplied Message-Authenticator, bad identifiers and oversized values", () => {
    const ma: RadiusAttribute = { name: "Message-Authenticator", value: Buffer.alloc(16) };
    const base = { code: 40, identifier: 1, secret, messageAuthenticator: false } as const;
    expect(() => encodeRequest({ ...base, attributes: [ma] })).toThrow(RadiusEncodeError);
    expect(() => encodeRequest({ ...base, identifier: 256, attributes: session })).toThrow(RadiusEncodeError);
    const long: RadiusAttribute = { name: "User-Name", value: "x".repeat(254) };
    expect(() => encodeRequest({ ...base, attributes: [long] })).toThrow(RadiusEncodeError);
  });
});

describe("attributes", () => {
  it("encodes Mikrotik-Rate-Limit as a Vendor-Specific 14988/8", () => {
    const bytes = encodeAttributes([{ name: "Mikrotik-Rate-Limit", value: "10M/10M" }]);
    expect(bytes).toEqual(tlv(26, Buffer.concat([uint32(14988), tlv(8, "10M/10M")])));
  });

  it("round-trips every supported attribute and passes unknown ones through", () => {
    const attributes: RadiusAttribute[] = [
      ...session,
      { name: "NAS-IP-Address", value: "192.168.88.1" },
      { name: "Session-Timeout", value: 3600 },
      { name: "Event-Timestamp", value: new Date("2026-01-31T18:00:00Z") },
      { name: "Error-Cause", value: 503 },
      { name: "Mikrotik-Rate-Limit", value: "10M/10M" },
      { name: "Vendor-Specific", vendorId: 14988, vendorType: 19, value: Buffer.from("suspended") },
      { name: "Unknown", type: 18, value: Buffer.from("Reply-Message") },
    ];
    expect(decodeAttributes(encodeAttributes(attributes))).toEqual(attributes);
  });

  it("keeps a known attribute with a wrong-size value raw instead of failing", () => {
    expect(decodeAttributes(tlv(8, Buffer.from([10, 0, 0])))).toEqual([
      { name: "Unknown", type: 8, value: Buffer.from([10, 0, 0]) },
    ]);
  });

  it("rejects framing that overruns the packet", () => {
    expect(() => decodeAttributes(Buffer.from([1, 10, 0x61]))).toThrow(RadiusDecodeError);
    expect(() => decodeAttributes(Buffer.from([1, 1]))).toThrow(RadiusDecodeError);
  });
});

describe("parsePacket / verifyReply", () => {
  const request = encodeRequest({
    code: 40,
    identifier: 42,
    attributes: session,
    secret,
    messageAuthenticator: true,
  });
  const requestAuth = request.subarray(4, 20);

  it("accepts a correctly signed reply, with or without Message-Authenticator (either signing variant)", () => {
    for (const variant of [undefined, "rfc", "zeroed"] as const) {
      const reply = signReply(request, 42, tlv(101, uint32(503)), SECRET, variant);
      expect(verifyReply(parsePacket(reply), requestAuth, secret)).toBe("ok");
    }
  });

  it("rejects a reply signed with another secret or over another request", () => {
    const reply = parsePacket(signReply(request, 41, Buffer.alloc(0), "other-secret"));
    expect(verifyReply(reply, requestAuth, secret)).toBe("bad-authenticator");
    const otherRequest = encodeRequest({
      code: 40,
      identifier: 42,
      attributes: [],
      secret,
      messageAuthenticator: false,
    });
    expect(
      verifyReply(parsePacket(signReply(otherRequest, 41, Buffer.alloc(0), SECRET)), requestAuth, secret),
    ).toBe("bad-authenticator");
  });

  it("rejects a reply whose Message-Authenticator is wrong even though its authenticator is right", () => {
    const reply = signReply(request, 41, Buffer.alloc(0), SECRET, "rfc");
    reply[22] = (reply[22] ?? 0) ^ 1; // corrupt the Message-Authenticator, then re-sign the header
    const resigned = Buffer.from(reply);
    requestAuth.copy(resigned, 4);
    md5(resigned, secret).copy(reply, 4);
    expect(verifyReply(parsePacket(reply), requestAuth, secret)).toBe("bad-message-authenticator");
  });

  it("ignores bytes past the Length field and rejects short or inconsistent datagrams", () => {
    const reply = signReply(request, 41, Buffer.alloc(0), SECRET);
    expect(verifyReply(parsePacket(Buffer.concat([reply, Buffer.from("pad")])), requestAuth, secret)).toBe(
      "ok",
    );
    expect(() => parsePacket(reply.subarray(0, 19))).toThrow(RadiusDecodeError);
    const tooLong = Buffer.from(reply);
    tooLong.writeUInt16BE(reply.length + 1, 2);
    expect(() => parsePacket(tooLong)).toThrow(RadiusDecodeError);
  });
});
