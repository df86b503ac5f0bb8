import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MENU } from "../../../edge-agent/simulator/index.js";
import { CREDENTIALS, startRouter, type TestRouter } from "./helpers.js";
import { attrs, RawApi } from "./raw-api.js";

describe("simulated RouterOS API, on the wire", () => {
  let router: TestRouter;
  let api: RawApi;

  beforeEach(async () => {
    router = await startRouter();
    api = await RawApi.login(router.apiPort, CREDENTIALS.username, CREDENTIALS.password);
  });

  afterEach(async () => {
    api.close();
    await router.close();
  });

  it("refuses a bad login with a trap, then `!done`", async () => {
    const other = await RawApi.connect(router.apiPort);
    const reply = await other.command(["/login", "=name=billing", "=password=nope", ".tag=7"]);
    other.close();
    expect(reply).toEqual([
      ["!trap", "=message=invalid user name or password (6)", ".tag=7"],
      ["!done", ".tag=7"],
    ]);
  });

  it("ends a connection that sends commands before logging in with `!fatal`", async () => {
    const other = await RawApi.connect(router.apiPort);
    const reply = await other.command(["/ppp/secret/print"]);
    expect(reply).toEqual([["!fatal", "not logged in"]]);
    await other.closed;
  });

  it("echoes `.tag` on every reply and keeps tagged commands apart", async () => {
    api.send(["/ppp/secret/print", "?name=alice", ".tag=a"]);
    api.send(["/ppp/secret/print", "?name=bob", ".tag=b"]);
    const sentences = [await api.next(), await api.next(), await api.next(), await api.next()];
    expect(sentences.map((s) => [s?.[0], s?.at(-1)])).toEqual([
      ["!re", ".tag=a"],
      ["!done", ".tag=a"],
      ["!re", ".tag=b"],
      ["!done", ".tag=b"],
    ]);
    expect(attrs(sentences[2]).name).toBe("bob");
  });

  it("filters prints with `?` queries and trims them with `.proplist`", async () => {
    const reply = await api.command([
      "/ppp/active/print",
      "?name=alice",
      "=.proplist=name,address,caller-id",
    ]);
    expect(reply).toEqual([
      ["!re", "=name=alice", "=address=10.20.0.10", "=caller-id=AA:BB:CC:00:00:01"],
      ["!done"],
    ]);
    const hotspot = await api.command(["/ip/hotspot/active/print", "?user=carol", "=.proplist=user,address"]);
    expect(hotspot[0]).toEqual(["!re", "=user=carol", "=address=10.5.50.20"]);
  });

  it("supports the query stack (`?#|`, `?-prop`, `?<`)", async () => {
    const either = await api.command([
      "/ppp/secret/print",
      "?name=alice",
      "?name=bob",
      "?#|",
      "=.proplist=name",
    ]);
    expect(either.filter((s) => s[0] === "!re").map((s) => attrs(s).name)).toEqual(["alice", "bob"]);
    const noAddress = await api.command(["/ppp/secret/print", "?-remote-address", "=.proplist=name"]);
    expect(noAddress.filter((s) => s[0] === "!re").map((s) => attrs(s).name)).toEqual(["bob", "dave"]);
  });

  it("adds with `=ret=`, refuses duplicates, and removes by `.id`", async () => {
    const added = await api.command([
      "/ip/firewall/address-list/add",
      "=list=unpaid",
      "=address=10.9.9.9",
      "=comment=x",
    ]);
    const id = attrs(added[0]).ret;
    expect(id).toMatch(/^\*[0-9A-F]+$/);
    const again = await api.command(["/ip/firewall/address-list/add", "=list=unpaid", "=address=10.9.9.9"]);
    expect(again).toEqual([["!trap", "=message=failure: already have such entry"], ["!done"]]);
    const listed = await api.command([
      "/ip/firewall/address-list/print",
      "?list=unpaid",
      "?address=10.9.9.9",
    ]);
    expect(attrs(listed[0])).toMatchObject({ ".id": id, list: "unpaid", comment: "x", dynamic: "false" });
    expect(await api.command(["/ip/firewall/address-list/remove", `=.id=${id}`])).toEqual([["!done"]]);
    expect(router.sim.model.print(MENU.addressList)).toEqual([]);
  });

  it("sets by `=numbers=` (an id or the name) as well as `=.id=`", async () => {
    await api.command(["/ppp/secret/set", "=numbers=alice", "=disabled=yes"]);
    await api.command(["/queue/simple/set", "=numbers=alice", "=max-limit=1M/1M"]);
    const secret = router.sim.model.print(MENU.pppSecret).find((r) => r.name === "alice");
    expect(secret?.disabled).toBe("true");
    expect(router.sim.model.print(MENU.simpleQueue).find((r) => r.name === "alice")?.["max-limit"]).toBe(
      "1M/1M",
    );
  });

  it("traps unknown items, parameters, commands and profiles with RouterOS wording", async () => {
    const message = async (words: string[]) => attrs((await api.command(words))[0]).message;
    expect(await message(["/ppp/active/remove", "=.id=*FFFF"])).toBe("no such item");
    expect(await message(["/ppp/secret/set", "=.id=alice", "=colour=red"])).toBe("unknown parameter colour");
    expect(await message(["/ppp/active/set", "=.id=*1"])).toBe("no such command");
    expect(await message(["/nowhere/print"])).toBe("no such command prefix");
    expect(await message(["/ppp/secret/set", "=.id=alice", "=profile=gold"])).toBe(
      "input does not match any value of profile",
    );
  });

  it("answers `!empty` before `!done` for an empty print only when 7.18 mode is on", async () => {
    expect(await api.command(["/ppp/active/print", "?name=nobody"])).toEqual([["!done"]]);
    router.sim.faults.emptyReplies = true;
    expect(await api.command(["/ppp/active/print", "?name=nobody", ".tag=9"])).toEqual([
      ["!empty", ".tag=9"],
      ["!done", ".tag=9"],
    ]);
    expect((await api.command(["/ppp/active/print", "?name=alice"]))[0]?.[0]).toBe("!re");
  });

  it("stalls one command without blocking the others", async () => {
    router.sim.faults.stall("/ppp/active/print");
    api.send(["/ppp/active/print", ".tag=stalled"]);
    const other = await api.command(["/system/resource/print", ".tag=other"]);
    expect(other.at(-1)).toEqual(["!done", ".tag=other"]);
    expect(attrs(other[0])).toMatchObject({ "board-name": "CHR", platform: "MikroTik" });
    expect(await api.next(200)).toBeUndefined();
  });

  it("resets the connection mid-command", async () => {
    router.sim.faults.drop("/ppp/secret/set");
    api.send(["/ppp/secret/set", "=.id=alice", "=disabled=yes"]);
    expect(await api.closed).toEqual({ reset: true });
    expect(router.sim.model.print(MENU.pppSecret).find((r) => r.name === "alice")?.disabled).toBe("false");
  });

  it("acknowledges but ignores active-session removes in ACK-but-ignore mode", async () => {
    router.sim.faults.ackButIgnoreActiveRemoves = true;
    const id = router.sim.model.print(MENU.pppActive).find((r) => r.name === "alice")?.[".id"];
    expect(await api.command(["/ppp/active/remove", `=.id=${id}`])).toEqual([["!done"]]);
    expect(router.sim.model.print(MENU.pppActive).some((r) => r.name === "alice")).toBe(true);
  });
});
