import { invoiceOperations } from "./invoices.js";
import { reportOperations } from "./reports.js";
import { tenantOperations } from "./tenant.js";

/** The billing API function's routes: invoices (read side), reports and exports, tenant branding. */
export const billingOperations = [...invoiceOperations, ...reportOperations, ...tenantOperations];
