import { type Row, TrapError } from "./table.js";

/**
 * RouterOS print queries, the stack machine the API's `?` words drive (REST's `.query` uses the same
 * words without the `?`):
 *   `name=x` pushes "name equals x", `name` "has name", `-name` "lacks name",
 *   `<name=x` / `>name=x` compare (numbers when both sides are numbers),
 *   `#ops` applies operators to the stack: `|` or, `&` and, `!` not, `.` duplicate top.
 * After the last word every value left on the stack must be true (an implicit AND).
 */
export function matchesQuery(row: Readonly<Row>, words: readonly string[]): boolean {
  const stack: boolean[] = [];
  for (const word of words) {
    if (word.startsWith("#")) {
      for (const op of word.slice(1)) applyOperator(stack, op);
    } else {
      stack.push(test(row, word));
    }
  }
  return stack.every(Boolean);
}

function test(row: Readonly<Row>, word: string): boolean {
  const sign = word[0];
  if (sign === "-") return row[word.slice(1)] === undefined;
  if (sign === "<" || sign === ">") {
    const [name, value] = split(word.slice(1));
    const actual = row[name];
    if (actual === undefined || value === undefined) return false;
    const cmp = compare(actual, value);
    return sign === "<" ? cmp < 0 : cmp > 0;
  }
  const [name, value] = split(word);
  if (value === undefined) return row[name] !== undefined;
  return (row[name] ?? "") === value;
}

function split(word: string): [string, string | undefined] {
  const at = word.indexOf("=");
  return at < 0 ? [word, undefined] : [word.slice(0, at), word.slice(at + 1)];
}

function compare(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

function applyOperator(stack: boolean[], op: string): void {
  const pop = (): boolean => {
    const value = stack.pop();
    if (value === undefined) throw new TrapError("invalid query: stack underflow");
    return value;
  };
  if (op === "|" || op === "&") {
    const b = pop();
    const a = pop();
    stack.push(op === "|" ? a || b : a && b);
  } else if (op === "!") {
    stack.push(!pop());
  } else if (op === ".") {
    const top = pop();
    stack.push(top, top);
  } else {
    throw new TrapError(`invalid query operator ${op}`);
  }
}

/** Keeps only the `.proplist` properties, in the requested order. */
export function project(row: Readonly<Row>, proplist: readonly string[] | undefined): Row {
  if (!proplist || proplist.length === 0) return { ...row };
  const out: Row = {};
  for (const name of proplist) {
    const value = row[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
