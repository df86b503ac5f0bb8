import type { Money } from "../domain/schemas/common.js";

/** The online gateways; "manual" payments (cash, bank) are recorded through the API instead. */
export type GatewayName = "bkash" | "sslcommerz" | "razorpay" | "nagad";
export const GATEWAY_NAMES: readonly GatewayName[] = ["bkash", "sslcommerz", "razorpay", "nagad"];

/**
 * What one call to a gateway needs: the tenant's decrypted credentials, the gateway's base URL
 * (sandbox, live, or a loopback stand-in in tests and local mode) and a time budget.
 */
export interface GatewayContext<C> {
  readonly tenantId: string;
  readonly credentials: C;
  readonly baseUrl: string;
  /** Per-request budget; the gateway module aborts the request when it runs out. */
  readonly timeoutMs: number;
}

export interface CheckoutRequest {
  /** Our payment id, sent as the merchant's order / invoice / transaction reference. */
  readonly paymentId: string;
  readonly amount: Money;
  readonly description: string;
  readonly customer: { readonly name: string; readonly phone: string; readonly email?: string | undefined };
  /**
   * Where the payer's browser comes back (bKash callbackURL, SSLCommerz success/fail/cancel,
   * Nagad merchantCallbackURL). It already names the tenant and the payment; the gateway appends
   * its own parameters. What arrives there is never trusted on its own.
   */
  readonly returnUrl: string;
  /** Server-to-server notification URL (SSLCommerz IPN); Razorpay's is set in its dashboard. */
  readonly notifyUrl: string;
}

export interface Checkout {
  /** Where to send the payer (302). */
  readonly redirectUrl: string;
  /** The gateway's own id for this checkout: bKash paymentID, SSLCommerz sessionkey, Razorpay order id, Nagad payment reference. */
  readonly gatewayRef: string;
}

/** An inbound HTTP request as the gateway sent it: the body exactly as received (decoded from base64). */
export interface InboundRequest {
  readonly method: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly rawBody: string;
}

/**
 * A notification the module has authenticated as far as it can on its own (signature, shape):
 * which of our payments it concerns and what to ask the gateway next. A notification is a hint;
 * only a verdict from `confirm` or `query` settles anything.
 */
export type GatewayNotification =
  | {
      readonly kind: "payment";
      /** Our payment id (from the return URL, the order's receipt or notes, or tran_id). */
      readonly paymentId: string;
      /** The gateway's checkout reference as the notification states it; must match ours. */
      readonly gatewayRef?: string | undefined;
      /** The gateway's event id when it has one (Razorpay `x-razorpay-event-id`), for de-duplication. */
      readonly eventId?: string | undefined;
      /** What the notification claims, e.g. bKash `status=success`, SSLCommerz `VALID`. */
      readonly claimed: "success" | "failure" | "cancel" | "unknown";
      /**
       * Gateway-specific data `confirm` needs (SSLCommerz `val_id`, Razorpay's signed payment
       * entity). Opaque to the caller.
       */
      readonly evidence?: Readonly<Record<string, string | number>> | undefined;
    }
  /** Authentic, but nothing to act on (an event type we do not handle). */
  | { readonly kind: "ignored"; readonly reason: string };

/** What the gateway itself says, from a server-to-server call (or a signed server notification). */
export interface GatewayVerdict {
  readonly status: "completed" | "pending" | "failed" | "cancelled";
  /** The gateway's transaction id (bKash trxID, SSLCommerz bank_tran_id, Razorpay payment id, Nagad issuerPaymentRefNo): the settlement's idempotency key. */
  readonly gatewayTxnId?: string | undefined;
  /** What was actually paid, as the gateway reports it, in minor units. */
  readonly amount?: Money | undefined;
  /** Our payment id as the gateway echoes it (merchantInvoiceNumber, tran_id, receipt, orderId). */
  readonly paymentId?: string | undefined;
  /** Why it failed or is pending, in the gateway's words (no secrets). */
  readonly detail?: string | undefined;
}

export interface PaymentRef {
  readonly paymentId: string;
  readonly gatewayRef: string;
  /** When the checkout was created: a module may refuse to execute very old ones. */
  readonly createdAt: string;
}

/**
 * One gateway behind one port. Every method throws `GatewayError` (see shared/adapters/gateways)
 * for transport failures and timeouts, `UnauthorizedError` for a notification whose signature does
 * not check, and `ValidationError` for a malformed one. None of them logs or returns credentials.
 */
export interface PaymentGateway<C = unknown> {
  readonly name: GatewayName;
  /** Validates the credentials an admin submits with `PUT /v1/gateways/{gateway}`. */
  parseCredentials(input: unknown): C;
  /** Non-secret parts of the credentials that the API may show (e.g. the store id, masked keys). */
  describeCredentials(credentials: C): Record<string, string>;
  createCheckout(ctx: GatewayContext<C>, request: CheckoutRequest): Promise<Checkout>;
  /** Authenticates and parses a browser return or a server notification. */
  readNotification(ctx: GatewayContext<C>, request: InboundRequest): Promise<GatewayNotification>;
  /**
   * Completes the payment where the gateway needs a merchant call (bKash execute) and returns
   * what the gateway says. When completing times out it queries before giving up.
   */
  confirm(
    ctx: GatewayContext<C>,
    payment: PaymentRef,
    notification: Extract<GatewayNotification, { kind: "payment" }>,
  ): Promise<GatewayVerdict>;
  /** Status only, for the pending sweep: never completes a payment the payer has not authorised. */
  query(ctx: GatewayContext<C>, payment: PaymentRef): Promise<GatewayVerdict>;
}

/** The gateway modules and where each one lives (sandbox, live, or a stand-in). */
export interface GatewayDirectory {
  gateway(name: GatewayName): PaymentGateway;
  baseUrl(name: GatewayName, mode: "sandbox" | "live"): string;
  /** Budget for one gateway request; webhooks must answer well inside the gateways' limits. */
  readonly timeoutMs: number;
}
