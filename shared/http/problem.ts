import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AppError, type FieldIssue, ValidationError, VersionConflictError } from "../domain/errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const TYPE_BASE = "https://docs.isp-billing.dev/problems/";

/** RFC 9457 problem details. 5xx responses carry no detail about the cause. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldIssue[];
  currentVersion?: number;
}

export function toProblem(error: unknown, instance?: string): Problem {
  if (error instanceof AppError && error.status < 500) {
    const problem: Problem = {
      type: `${TYPE_BASE}${error.code}`,
      title: error.title,
      status: error.status,
      detail: error.message,
    };
    if (instance) problem.instance = instance;
    if (error instanceof ValidationError && error.issues.length > 0) problem.errors = [...error.issues];
    if (error instanceof VersionConflictError && error.currentVersion !== undefined)
      problem.currentVersion = error.currentVersion;
    return problem;
  }
  return {
    type: `${TYPE_BASE}internal`,
    title: "Internal error",
    status: 500,
    detail: "The request could not be completed. It is safe to retry with the same Idempotency-Key.",
    ...(instance ? { instance } : {}),
  };
}

export function problemResponse(
  problem: Problem,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(problem),
  };
}
