import { ConflictError } from "../errors.js";

/** The gateway transaction was already settled: the money has been applied once, and only once. */
export class PaymentAlreadySettledError extends ConflictError {
  override readonly code: string = "payment-already-settled";
  constructor(readonly transactionKey: string) {
    super("This payment has already been settled");
  }
}
