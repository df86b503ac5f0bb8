/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF, a field quoted when it
 * holds a comma, quote, CR or LF (quotes doubled). Text that came from people (names, references)
 * also goes through `csvText`, which defuses spreadsheet formulas: a value starting with = + - @
 * TAB or CR gets a leading apostrophe, so a name like `=HYPERLINK(...)` stays text when opened.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return "";
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvText(value: string | undefined): string {
  if (value === undefined) return "";
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/** One record; cells are already fields (csvField / csvText). */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.join(",")}\r\n`;
}

/** Minor units as a plain decimal ("-1234.50"): integers only, no grouping, so spreadsheets parse it. */
export function minorToDecimal(amount: number): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`not a minor-unit amount: ${amount}`);
  const abs = Math.abs(amount);
  return `${amount < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function csvHeaders(filename: string): Record<string, string> {
  return {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "no-store",
  };
}
