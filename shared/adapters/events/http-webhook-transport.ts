import type { WebhookRequest, WebhookResponse, WebhookTransport } from "../../ports/outbound-events.js";

/**
 * POSTs with Node's fetch. Redirects are not followed (a 3xx is a failed attempt: the signed body
 * goes only where the tenant said), and the answer's body is discarded unread.
 */
export class HttpWebhookTransport implements WebhookTransport {
  async post(request: WebhookRequest): Promise<WebhookResponse> {
    try {
      const res = await fetch(request.url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status };
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        return { error: `no answer within ${request.timeoutMs} ms` };
      }
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const code = (cause as { code?: unknown }).code;
      return { error: typeof code === "string" ? `network error ${code}` : "network error" };
    }
  }
}
