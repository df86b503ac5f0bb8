import * as z from "zod";
import { idSchema } from "../ids.js";
import { AuditFieldsShape, MoneySchema, NameSchema, NotesSchema } from "./common.js";
import { BasisPointsSchema, LateFeeSchema } from "./invoice.js";
import { ReminderRulesSchema } from "./lifecycle-fields.js";

export const PackageIdSchema = idSchema("package");

const kbps = () => z.number().int().min(8).max(100_000_000);

/**
 * A burst (MikroTik burst-limit / burst-threshold / burst-time): above the base rate while the
 * average over `seconds` stays under the threshold.
 */
export const BurstSchema = z
  .object({
    downloadKbps: kbps().meta({ description: "Burst rate; above the base download rate" }),
    uploadKbps: kbps().meta({ description: "Burst rate; above the base upload rate" }),
    thresholdDownloadKbps: kbps().meta({ description: "Average rate under which bursting is allowed" }),
    thresholdUploadKbps: kbps(),
    seconds: z.number().int().min(1).max(3600).meta({ description: "Burst time the average is taken over" }),
  })
  .strict()
  .meta({ id: "Burst" });

/** Rates in kbit/s (MikroTik rate limits are rx/tx: upload/download as seen from the client). */
export const SpeedSchema = z
  .object({
    downloadKbps: kbps(),
    uploadKbps: kbps(),
    burst: BurstSchema.optional(),
  })
  .strict()
  .superRefine((speed, ctx) => {
    const { burst } = speed;
    if (!burst) return;
    for (const dir of ["download", "upload"] as const) {
      const base = speed[`${dir}Kbps`];
      if (burst[`${dir}Kbps`] <= base) {
        ctx.addIssue({
          code: "custom",
          path: ["burst", `${dir}Kbps`],
          message: `must be above the base ${dir} rate (${base})`,
        });
      }
      if (burst[`threshold${dir === "download" ? "Download" : "Upload"}Kbps`] > base) {
        ctx.addIssue({
          code: "custom",
          path: ["burst", `threshold${dir === "download" ? "Download" : "Upload"}Kbps`],
          message: `must not be above the base ${dir} rate (${base})`,
        });
      }
    }
  });
export type Speed = z.infer<typeof SpeedSchema>;

/**
 * Fair-use policy: the data a subscriber may use per cycle at full speed, then the throttled rate.
 * Stored and published for the frontends and the edge; not enforced by the cloud yet.
 */
export const DataCapSchema = z
  .object({
    megabytes: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .meta({ description: "Allowance per cycle in megabytes (10^6 bytes)" }),
    throttled: z
      .object({ downloadKbps: kbps(), uploadKbps: kbps() })
      .strict()
      .meta({ description: "Rate after the allowance is used up; not above the package speed" }),
  })
  .strict()
  .meta({ id: "DataCap" });
export type DataCap = z.infer<typeof DataCapSchema>;

export const PrepaidBillingSchema = z
  .object({
    type: z.literal("prepaid"),
    validity: z
      .object({ unit: z.enum(["days", "hours"]), count: z.number().int().min(1).max(3660) })
      .strict()
      .meta({ description: "How long one purchase lasts from activation or renewal" }),
  })
  .strict();

const dueDays = () =>
  z.number().int().min(0).max(60).meta({ description: "Days after the bill is issued it falls due" });

/** A bill on the same day of every month; `cycle` may be left out (the original postpaid form). */
export const MonthlyPostpaidSchema = z
  .object({
    type: z.literal("postpaid"),
    cycle: z.literal("monthly").optional(),
    billingDay: z.number().int().min(1).max(31).meta({ description: "31 falls on the month's last day" }),
    dueDays: dueDays(),
  })
  .strict();

/** A bill every N days, the first on the day the subscriber starts. */
export const IntervalPostpaidSchema = z
  .object({
    type: z.literal("postpaid"),
    cycle: z.literal("every_n_days"),
    everyDays: z
      .number()
      .int()
      .min(1)
      .max(366)
      .meta({ description: "Days per cycle, counted as the tenant's calendar days" }),
    dueDays: dueDays(),
  })
  .strict();

export const PostpaidBillingSchema = z.discriminatedUnion("cycle", [
  MonthlyPostpaidSchema,
  IntervalPostpaidSchema,
]);

export const BillingSchema = z.discriminatedUnion("type", [PrepaidBillingSchema, PostpaidBillingSchema]);
export type Billing = z.infer<typeof BillingSchema>;

const PackageFieldsShape = {
  name: NameSchema,
  description: NotesSchema.optional(),
  price: MoneySchema,
  speed: SpeedSchema,
  dataCap: DataCapSchema.optional(),
  billing: BillingSchema,
  graceDays: z.number().int().min(0).max(60).default(0),
  lateFee: LateFeeSchema.optional().meta({
    description: "Added once to an invoice still unpaid when grace ends (at most its cap)",
  }),
  taxRateBasisPoints: BasisPointsSchema.optional().meta({
    description: "Tax on invoices for this package, in basis points (1500 = 15 %); none when absent",
  }),
  reminders: ReminderRulesSchema.optional().meta({
    description: "This package's reminder offsets and channels, in place of the tenant's",
  }),
  /** RouterOS PPP profile / hotspot user profile the router applies for this package. */
  routerProfile: z
    .string()
    .regex(/^[A-Za-z0-9 _.@-]{1,64}$/, { message: "must be 1-64 letters, digits, space or _.@-" })
    .optional(),
};

export const PackageSchema = z
  .object({
    id: PackageIdSchema,
    tenantId: idSchema("tenant"),
    ...PackageFieldsShape,
    archived: z.boolean(),
    ...AuditFieldsShape,
  })
  .meta({ id: "Package" });
export type Package = z.infer<typeof PackageSchema>;

interface RuleFields {
  readonly speed?: Speed | undefined;
  readonly dataCap?: DataCap | null | undefined;
}

/** The rules that tie a package's fields together; each issue names the field at fault. */
export function packageIssues(pkg: RuleFields): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const { speed, dataCap } = pkg;
  if (!speed || !dataCap) return issues;
  for (const dir of ["downloadKbps", "uploadKbps"] as const) {
    if (dataCap.throttled[dir] > speed[dir]) {
      issues.push({
        path: `dataCap.throttled.${dir}`,
        message: `must not be above the package speed (${speed[dir]})`,
      });
    }
  }
  return issues;
}

const withPackageRules = <T extends z.ZodType<RuleFields>>(schema: T) =>
  schema.superRefine((pkg, ctx) => {
    for (const issue of packageIssues(pkg)) {
      ctx.addIssue({ code: "custom", path: issue.path.split("."), message: issue.message });
    }
  });

export const CreatePackageSchema = withPackageRules(z.object(PackageFieldsShape).strict()).meta({
  id: "CreatePackage",
});
export type CreatePackageInput = z.infer<typeof CreatePackageSchema>;

export const UpdatePackageSchema = withPackageRules(
  z
    .object({
      version: AuditFieldsShape.version,
      name: PackageFieldsShape.name.optional(),
      description: PackageFieldsShape.description,
      price: MoneySchema.optional(),
      speed: SpeedSchema.optional(),
      dataCap: DataCapSchema.nullable().optional(),
      billing: BillingSchema.optional(),
      graceDays: z.number().int().min(0).max(60).optional(),
      lateFee: LateFeeSchema.nullable().optional(),
      taxRateBasisPoints: BasisPointsSchema.nullable().optional(),
      reminders: ReminderRulesSchema.nullable().optional(),
      routerProfile: PackageFieldsShape.routerProfile,
    })
    .strict(),
).meta({
  id: "UpdatePackage",
  description: "Send only the fields to change; null removes an optional one",
});
export type UpdatePackageInput = z.infer<typeof UpdatePackageSchema>;
