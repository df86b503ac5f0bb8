import { generateKeyPairSync } from "node:crypto";
import type { GatewayName } from "../../ports/payment-gateway.js";
import { type BkashStandIn, startBkashStandIn } from "./bkash-standin.js";
import { type NagadStandIn, startNagadStandIn } from "./nagad-standin.js";
import { type RazorpayStandIn, startRazorpayStandIn } from "./razorpay-standin.js";
import { type SslcommerzStandIn, startSslcommerzStandIn } from "./sslcommerz-standin.js";

/**
 * The four gateways' stand-ins on loopback, for `npm start` and the end-to-end tests: what a
 * sandbox account would be, with credentials a tenant can put into `PUT /v1/gateways/{gateway}`.
 */
export interface LocalGateways {
  readonly bkash: BkashStandIn;
  readonly sslcommerz: SslcommerzStandIn;
  readonly razorpay: RazorpayStandIn;
  readonly nagad: NagadStandIn;
  readonly baseUrls: Record<GatewayName, string>;
  /** The credentials each stand-in accepts, as the gateway settings API takes them. */
  readonly credentials: Record<GatewayName, Record<string, string>>;
  stop(): Promise<void>;
}

export async function startLocalGateways(): Promise<LocalGateways> {
  const merchant = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const [bkash, sslcommerz, razorpay, nagad] = await Promise.all([
    startBkashStandIn(),
    startSslcommerzStandIn(),
    startRazorpayStandIn(),
    startNagadStandIn({ merchantPublicKey: merchant.publicKey }),
  ]);
  return {
    bkash,
    sslcommerz,
    razorpay,
    nagad,
    baseUrls: {
      bkash: bkash.baseUrl,
      sslcommerz: sslcommerz.baseUrl,
      razorpay: razorpay.baseUrl,
      nagad: nagad.baseUrl,
    },
    credentials: {
      bkash: { ...bkash.credentials },
      sslcommerz: { ...sslcommerz.credentials },
      razorpay: {
        keyId: razorpay.keyId,
        keySecret: razorpay.keySecret,
        webhookSecret: razorpay.webhookSecret,
      },
      nagad: {
        merchantId: nagad.merchantId,
        merchantPrivateKey: merchant.privateKey,
        nagadPublicKey: nagad.nagadPublicKey,
      },
    },
    stop: async () => {
      await Promise.all([bkash.close(), sslcommerz.close(), razorpay.close(), nagad.close()]);
    },
  };
}
