/** One RouterOS menu held in memory: ordered rows of string values with `.id` like "*1A". */

export type Row = Record<string, string>;
export type Verb = "print" | "add" | "set" | "remove";

/** A refusal RouterOS would answer with `!trap =message=...` (API) or an error body (REST). */
export class TrapError extends Error {
  constructor(
    message: string,
    /** HTTP status the REST server answers with. */
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = "TrapError";
  }
}

export interface TableSpec {
  /** Menu path, e.g. "/ppp/secret". */
  readonly menu: string;
  readonly verbs: readonly Verb[];
  /** Properties a client may write; anything else is "unknown parameter". */
  readonly fields: readonly string[];
  readonly defaults?: Readonly<Record<string, string>>;
  /** A property whose value is unique and can stand in for `.id` (RouterOS lets "name" do this). */
  readonly key?: string;
  /** Properties that together must be unique (address lists: list + address). */
  readonly unique?: readonly string[];
  readonly duplicateMessage?: string;
  /** Refuses a row that is otherwise well formed (a profile that does not exist). */
  readonly validate?: (row: Readonly<Row>) => void;
  /** Adds computed properties (uptime) when printing. */
  readonly render?: (row: Readonly<Row>) => Row;
}

const BOOLEAN_FIELDS = new Set(["disabled", "dynamic", "radius"]);

function normalise(field: string, value: string): string {
  if (!BOOLEAN_FIELDS.has(field)) return value;
  if (value === "yes" || value === "true") return "true";
  if (value === "no" || value === "false") return "false";
  throw new TrapError(`value of ${field} must be yes or no`);
}

export class Table {
  private readonly rows = new Map<string, Row>();
  private counter = 0;

  constructor(readonly spec: TableSpec) {}

  /** Rows as a client sees them (copies, computed fields included). */
  list(): Row[] {
    return [...this.rows.values()].map((row) => this.view(row));
  }

  view(row: Readonly<Row>): Row {
    return this.spec.render ? this.spec.render(row) : { ...row };
  }

  get(id: string): Row | undefined {
    return this.rows.get(id);
  }

  /** Resolves `.id` or, where the menu has a key, the key's value ("numbers=alice"). */
  find(ref: string): Row | undefined {
    const byId = this.rows.get(ref);
    if (byId || this.spec.key === undefined) return byId;
    const key = this.spec.key;
    return [...this.rows.values()].find((row) => row[key] === ref);
  }

  /** `system` holds properties the router sets itself (dynamic=true); they skip the field check. */
  insert(values: Readonly<Record<string, string>>, internal = false, system: Readonly<Row> = {}): Row {
    const clean = this.check(values, internal);
    const id = `*${(this.counter + 1).toString(16).toUpperCase()}`;
    const row: Row = { ".id": id, ...this.spec.defaults, ...clean, ...system };
    const required = [...(this.spec.key ? [this.spec.key] : []), ...(this.spec.unique ?? [])];
    const missing = required.filter((f) => !row[f]);
    if (missing.length > 0) throw new TrapError(`missing value(s) of argument(s) ${missing.join(", ")}`);
    this.assertValid(row);
    this.counter += 1;
    this.rows.set(id, row);
    return row;
  }

  update(id: string, values: Readonly<Record<string, string>>, internal = false): Row {
    const current = this.rows.get(id);
    if (!current) throw new TrapError("no such item", 404);
    const next = { ...current, ...this.check(values, internal) };
    this.assertValid(next);
    this.rows.set(id, next);
    return next;
  }

  delete(id: string): Row | undefined {
    const row = this.rows.get(id);
    this.rows.delete(id);
    return row;
  }

  private check(values: Readonly<Record<string, string>>, internal: boolean): Row {
    const out: Row = {};
    for (const [field, value] of Object.entries(values)) {
      if (!internal && !this.spec.fields.includes(field)) throw new TrapError(`unknown parameter ${field}`);
      out[field] = normalise(field, value);
    }
    return out;
  }

  private assertValid(row: Readonly<Row>): void {
    this.spec.validate?.(row);
    const groups = [
      ...(this.spec.key ? [[this.spec.key]] : []),
      ...(this.spec.unique ? [this.spec.unique] : []),
    ];
    for (const fields of groups) {
      const clash = [...this.rows.values()].some(
        (other) =>
          other[".id"] !== row[".id"] && fields.every((f) => other[f] !== undefined && other[f] === row[f]),
      );
      if (clash) throw new TrapError(this.spec.duplicateMessage ?? "failure: already have such entry");
    }
  }
}
