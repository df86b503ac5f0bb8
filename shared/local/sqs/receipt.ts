import { randomBytes } from "node:crypto";
import { sqsErrors } from "./errors.js";

/** A fresh, opaque handle per delivery: it names the queue and message, plus a random part. */
export function newReceipt(queueName: string, messageId: string): string {
  return Buffer.from(`${queueName}/${messageId}/${randomBytes(12).toString("hex")}`).toString("base64url");
}

/** The message id inside a receipt handle issued by `queueName`; anything else is invalid. */
export function messageIdOf(queueName: string, receipt: string): string {
  const parts = Buffer.from(receipt, "base64url").toString("utf8").split("/");
  if (parts.length !== 3 || parts[0] !== queueName || !parts[1])
    throw sqsErrors.receiptHandleIsInvalid(receipt);
  return parts[1];
}
