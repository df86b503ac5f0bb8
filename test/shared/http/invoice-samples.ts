import type { Invoice } from "../../../shared/domain/schemas/invoice.js";
import type { Tenant } from "../../../shared/domain/schemas/tenant.js";

/** A March 2026 invoice in Dhaka: a package, a discount, 15 % tax, 200 BDT of 517.50 paid. */
export function sampleInvoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    id: "inv_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
    tenantId: "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
    subscriberId: "sub_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
    sequence: 123,
    number: "INV-000123",
    period: { start: "2026-02-28T18:00:00.000Z", end: "2026-03-31T18:00:00.000Z" },
    currency: "BDT",
    lines: [
      { kind: "package", description: "Home 10M (fast) \\ back-slash", amount: 50_000 },
      { kind: "discount", description: "Loyalty discount", amount: -5_000 },
      { kind: "tax", description: "Tax 15%", amount: 6_750 },
    ],
    subtotal: 45_000,
    taxRateBasisPoints: 1500,
    tax: 6_750,
    total: 51_750,
    amountPaid: 20_000,
    status: "partially_paid",
    dueAt: "2026-03-08T18:00:00.000Z",
    createdAt: "2026-02-28T18:00:00.000Z",
    updatedAt: "2026-03-02T10:00:00.000Z",
    version: 2,
    ...overrides,
  };
}

export function sampleTenant(branding: Tenant["branding"] = fullBranding()) {
  return { name: "Dhaka Net", timeZone: "Asia/Dhaka", branding };
}

export function fullBranding(): NonNullable<Tenant["branding"]> {
  return {
    displayName: "Dhaka Net (Dhanmondi)",
    logoUrl: "https://isp.example.net/logo.png",
    accentColor: "#0A7D32",
    address: "House 1, Road 2, Dhanmondi",
    phone: "+8801711000000",
    email: "billing@isp.example.net",
    website: "https://isp.example.net",
    invoiceFooter: "BIN 000123456. Pay by bKash to 01711000000.",
  };
}
