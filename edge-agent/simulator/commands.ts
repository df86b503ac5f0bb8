import type { FaultPlan } from "./faults.js";
import { MENU, type Menu } from "./menus.js";
import type { RouterModel } from "./model.js";
import { matchesQuery, project } from "./query.js";
import { type Row, TrapError, type Verb } from "./table.js";

/** One command as both servers hand it over, named the API way. */
export interface CommandRequest {
  /** e.g. "/ppp/active/remove" */
  readonly command: string;
  /** `=name=value` attributes, `.proplist` excluded. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Query words without the leading `?` (see query.ts). */
  readonly queries?: readonly string[];
  readonly proplist?: readonly string[];
}

export interface CommandResult {
  readonly verb: Verb;
  readonly rows: Row[];
  /** `.id` of an added item (`!done =ret=`). */
  readonly ret?: string;
}

const SYSTEM_RESOURCE = "/system/resource";

export function splitCommand(command: string): { menu: string; verb: string } {
  const at = command.lastIndexOf("/");
  return { menu: command.slice(0, at), verb: command.slice(at + 1) };
}

export function isMenu(model: RouterModel, menu: string): boolean {
  return menu === SYSTEM_RESOURCE || model.table(menu) !== undefined;
}

/** Runs a command against the model. Refusals are TrapErrors carrying RouterOS's wording. */
export function runCommand(model: RouterModel, faults: FaultPlan, request: CommandRequest): CommandResult {
  const { menu, verb } = splitCommand(request.command);
  if (menu === SYSTEM_RESOURCE) {
    if (verb !== "print") throw new TrapError("no such command");
    return { verb, rows: filter([systemResource(model)], request) };
  }
  const table = model.table(menu);
  if (!table) throw new TrapError("no such command prefix");
  if (!table.spec.verbs.includes(verb as Verb)) throw new TrapError("no such command");
  const target = menu as Menu;
  switch (verb as Verb) {
    case "print":
      return { verb: "print", rows: filter(table.list(), request) };
    case "add": {
      const row = model.add(target, request.attributes);
      return { verb: "add", rows: [], ...(row[".id"] !== undefined && { ret: row[".id"] }) };
    }
    case "set": {
      const { ids, values } = targets(model, menu, request.attributes);
      for (const id of ids) model.set(target, id, values);
      return { verb: "set", rows: [] };
    }
    case "remove": {
      const { ids } = targets(model, menu, request.attributes);
      const ignored =
        faults.ackButIgnoreActiveRemoves && (menu === MENU.pppActive || menu === MENU.hotspotActive);
      if (!ignored) for (const id of ids) model.remove(target, id, { redial: true });
      return { verb: "remove", rows: [] };
    }
  }
}

/** `=.id=` (or `=numbers=`), comma separated, each an `.id` or the menu's key value. */
function targets(model: RouterModel, menu: string, attributes: Readonly<Record<string, string>>) {
  const { ".id": id, numbers, ...values } = attributes;
  const refs = (id ?? numbers ?? "").split(",").filter((r) => r !== "");
  if (refs.length === 0) throw new TrapError("missing value(s) of argument(s) .id");
  const table = model.table(menu);
  const ids = refs.map((ref) => {
    const row = table?.find(ref);
    if (!row?.[".id"]) throw new TrapError("no such item", 404);
    return row[".id"];
  });
  return { ids, values };
}

function filter(rows: Row[], request: CommandRequest): Row[] {
  const queries = request.queries ?? [];
  return rows.filter((row) => matchesQuery(row, queries)).map((row) => project(row, request.proplist));
}

function systemResource(model: RouterModel): Row {
  return {
    uptime: model.uptime(),
    version: model.options.version ?? "7.18.2 (stable)",
    "cpu-load": "1",
    "free-memory": "201326592",
    "total-memory": "268435456",
    "architecture-name": "x86_64",
    "board-name": "CHR",
    platform: "MikroTik",
  };
}
