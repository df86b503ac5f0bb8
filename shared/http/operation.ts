import type { z } from "zod";
import type { Permission } from "../domain/permissions.js";
import type { Logger } from "../logger.js";
import type { PageRequest } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "../services/caller.js";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface OperationInput<P, Q, B> {
  readonly deps: ServiceDeps;
  readonly caller: Caller;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Pagination for list operations (`limit`, `cursor` query parameters). */
  readonly page: PageRequest;
  readonly idempotency?: IdempotencyRequest | undefined;
  readonly logger: Logger;
  /** Raw operations only: the request as it arrived (gateway signatures cover exact bytes). */
  readonly raw: RawRequest;
}

/** The request before any parsing, with the public base URL the caller reached us on. */
export interface RawRequest {
  readonly method: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** The body exactly as sent (base64 already decoded), "" when there is none. */
  readonly rawBody: string;
  /** e.g. https://abc.execute-api.ap-south-1.amazonaws.com, for URLs handed to gateways and payers. */
  readonly baseUrl: string;
}

export interface OperationResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** A non-JSON answer (an HTML page for a payer); its content-type goes in `headers`. */
  readonly text?: string;
}

/**
 * One API operation: route, permission, schemas (used for both validation and the OpenAPI
 * document) and the call into the domain. Handlers are built from lists of these.
 */
export interface Operation<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodType,
> {
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway route path, e.g. `/v1/subscribers/{subscriberId}`. */
  readonly path: `/v1/${string}`;
  readonly summary: string;
  readonly tag: string;
  /** `public` routes skip the authorizer. */
  readonly permission: Permission | "public";
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly response: {
    readonly status: number;
    readonly schema?: z.ZodType;
    readonly list?: boolean;
    readonly description?: string;
  };
  /** POST creates accept an Idempotency-Key. */
  readonly idempotent?: boolean;
  /**
   * Gateway- and browser-facing routes: the body is not parsed as JSON, unknown query
   * parameters are allowed (gateways add their own), and the handler reads `raw`.
   */
  readonly raw?: boolean;
  handle(input: OperationInput<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<OperationResult>;
}

export function defineOperation<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
  op: Operation<P, Q, B>,
): Operation {
  return op as unknown as Operation;
}

export function routeKey(op: Pick<Operation, "method" | "path">): string {
  return `${op.method} ${op.path}`;
}
