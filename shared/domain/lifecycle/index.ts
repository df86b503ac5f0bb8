export { billingPausedCycle, pauseBilling, resumeBilling, skipCycle } from "./billing-pause.js";
export {
  type DeliveryPlan,
  MAX_SQS_DELAY_SECONDS,
  planDelivery,
  SCHEDULER_LEAD_SECONDS,
  sqsDelaySeconds,
} from "./delivery.js";
export {
  CONNECTED_STATUSES,
  desiredState,
  type Entitlement,
  entitlementAt,
  graceEndsAt,
  isConnected,
  isManualHold,
  lapsedStatus,
  sameDesiredState,
  settle,
  validityMs,
  withoutHold,
} from "./entitlement.js";
export { InvalidTransitionError, type LifecycleOperation } from "./errors.js";
export { type FireResult, fire, type ReminderDue, SCHEDULER_ACTOR } from "./fire.js";
export {
  billingStartFor,
  type CycleInvoice,
  type InvoiceAction,
  invoiceAction,
  invoiceCycle,
  invoicePeriod,
  invoicePeriodStartForDue,
  type LateFeeDue,
  prepaidInvoiceLead,
} from "./invoicing.js";
export { changePackage, resume, setExpiry, suspend, terminate } from "./manual.js";
export {
  type NextAction,
  NextActionSchema,
  nextAction,
  pendingActions,
  type ReminderAction,
  sameAction,
} from "./next-action.js";
export { currentPeriod, type OnDemandInvoiceInput, onDemandInvoice } from "./on-demand.js";
export { type ChangeBilling, packageChangeBilling, upgradeInvoice } from "./package-change.js";
export { pause, unpause } from "./pause.js";
export {
  DEFAULT_REMINDERS,
  LifecycleFieldsShape,
  type LifecyclePolicy,
  type LifecyclePolicyInput,
  LifecyclePolicySchema,
  type LifecycleSubscriber,
  LifecycleSubscriberSchema,
  offsetSeconds,
  policyForTenant,
  type ReminderRule,
  ReminderRuleSchema,
} from "./policy.js";
export {
  billedAtForDue,
  billingInstantFrom,
  dueAfterBillsPaid,
  dueAfterPayment,
  dueInstantFor,
  firstBillingInstant,
  firstDueInstant,
  type IntervalPostpaid,
  isInterval,
  type MonthlyPostpaid,
  nextBillingInstant,
  nextDueInstant,
  type PostpaidBilling,
} from "./postpaid.js";
export { renew, renewalBase } from "./renew.js";
export { commandFor, type LifecycleEvent, LifecycleEventSchema, type Transition } from "./transition.js";
export {
  addLocalDays,
  fromLocal,
  type LocalDateTime,
  leaveQuietHours,
  type QuietHours,
  toLocal,
} from "./zoned-time.js";
