import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MENU } from "../../../edge-agent/simulator/index.js";
import { CREDENTIALS, startRouter, type TestRouter } from "./helpers.js";

describe("simulated RouterOS v7 REST API", () => {
  let router: TestRouter;
  const auth = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString("base64")}`;

  const call = async (method: string, path: string, body?: unknown, authorization = auth) => {
    const res = await fetch(`http://127.0.0.1:${router.restPort}/rest${path}`, {
      method,
      headers: { authorization, "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(2_000),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
  };

  beforeEach(async () => {
    router = await startRouter();
  });

  afterEach(async () => {
    await router.close();
  });

  it("requires HTTP Basic auth", async () => {
    expect(await call("GET", "/ppp/secret", undefined, "Basic Zm9vOmJhcg==")).toEqual({
      status: 401,
      body: { error: 401, message: "Unauthorized" },
    });
  });

  it("prints with GET: an array of string-valued objects, filtered by the query string", async () => {
    const { status, body } = await call("GET", "/ppp/active?name=alice&.proplist=.id,name,address");
    expect(status).toBe(200);
    expect(body).toEqual([{ ".id": expect.stringMatching(/^\*/), name: "alice", address: "10.20.0.10" }]);
    const resource = await call("GET", "/system/resource");
    expect(resource.body).toEqual([
      expect.objectContaining({ platform: "MikroTik", version: expect.any(String) }),
    ]);
  });

  it("gets one item by id or name, and 404s like RouterOS", async () => {
    expect((await call("GET", "/ppp/secret/alice")).body).toMatchObject({ name: "alice", profile: "10M" });
    expect(await call("GET", "/ppp/secret/*FFFF")).toEqual({
      status: 404,
      body: { error: 404, message: "Not Found" },
    });
    expect((await call("GET", "/no/such/menu")).status).toBe(404);
  });

  it("sets with PATCH and returns the updated item", async () => {
    const id = router.sim.model.print(MENU.pppSecret).find((r) => r.name === "alice")?.[".id"];
    const { status, body } = await call("PATCH", `/ppp/secret/${id}`, { disabled: "yes" });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ".id": id, name: "alice", disabled: "true" });
  });

  it("adds with PUT and removes with DELETE (204)", async () => {
    const added = await call("PUT", "/ip/firewall/address-list", {
      list: "unpaid",
      address: "10.1.1.1",
      timeout: "1d",
    });
    expect(added.body).toMatchObject({ list: "unpaid", address: "10.1.1.1", dynamic: "true" });
    const id = (added.body as Record<string, string>)[".id"];
    expect(await call("DELETE", `/ip/firewall/address-list/${id}`)).toEqual({ status: 204, body: undefined });
    expect(router.sim.model.print(MENU.addressList)).toEqual([]);
  });

  it("refuses a duplicate with 400 and RouterOS's detail", async () => {
    expect(await call("PUT", "/ppp/secret", { name: "alice", password: "x" })).toEqual({
      status: 400,
      body: {
        error: 400,
        message: "Bad Request",
        detail: "failure: secret with the same name already exists",
      },
    });
  });

  it("runs any command with POST: remove by .id, print with .query and .proplist", async () => {
    const id = router.sim.model.print(MENU.pppActive).find((r) => r.name === "alice")?.[".id"];
    expect(await call("POST", "/ppp/active/remove", { ".id": id })).toEqual({ status: 200, body: [] });
    expect(router.sim.model.print(MENU.pppActive).some((r) => r.name === "alice")).toBe(false);
    const printed = await call("POST", "/ppp/secret/print", {
      ".query": ["name=bob", "name=dave", "#|"],
      ".proplist": ["name"],
    });
    expect(printed.body).toEqual([{ name: "bob" }, { name: "dave" }]);
    expect((await call("POST", "/ppp/active/remove", { ".id": "*FFFF" })).body).toMatchObject({
      detail: "no such item",
    });
  });

  it("answers 500 and stalls on injected faults", async () => {
    router.sim.faults.inject({ command: "/ppp/secret/print", action: "http-500", message: "busy" });
    expect(await call("GET", "/ppp/secret")).toEqual({
      status: 500,
      body: { error: 500, message: "Internal Server Error", detail: "busy" },
    });
    router.sim.faults.stall("/ppp/secret/print");
    await expect(
      fetch(`http://127.0.0.1:${router.restPort}/rest/ppp/secret`, {
        headers: { authorization: auth },
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    expect((await call("GET", "/ppp/secret")).status).toBe(200);
  });
});
