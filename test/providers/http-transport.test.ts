import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestFetch } from "../../src/providers/http-transport.js";

describe("the SDK's transport over undici.request", () => {
  let base = "";
  let close = () => {};
  beforeAll(async () => {
    const app = new Hono();
    app.post("/echo", async (c) =>
      c.json({ method: c.req.method, body: await c.req.text(), auth: c.req.header("authorization") ?? null }),
    );
    app.get("/busy", (c) => c.text("<html>busy</html>", 429, { "retry-after": "3", "set-cookie": "a=1" }));
    app.delete("/gone", (c) => c.body(null, 204));
    app.post("/moved", (c) => c.redirect("/echo", 307));
    await new Promise<void>((resolveStart) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
        base = `http://127.0.0.1:${info.port}`;
        close = () => server.close();
        resolveStart();
      });
    });
  });
  afterAll(() => close());
  const f = requestFetch();

  it("sends method, headers (Headers or a record) and a string body; returns status, headers and text", async () => {
    const res = await f(`${base}/echo`, {
      method: "POST",
      headers: new Headers({ authorization: "Bearer k", "content-type": "application/json" }),
      body: '{"a":1}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: "POST", body: '{"a":1}', auth: "Bearer k" });
    const busy = await f(new URL(`${base}/busy`));
    expect([busy.status, busy.headers.get("retry-after"), await busy.text()]).toEqual([429, "3", "<html>busy</html>"]);
    expect((await f(`${base}/gone`, { method: "DELETE" })).status).toBe(204);
    // Redirects are handed back, never followed (the target was not checked).
    const moved = await f(`${base}/moved`, { method: "POST", body: "again" });
    expect([moved.status, moved.headers.get("location")]).toEqual([307, "/echo"]);
  });

  it("honours an abort signal and reports refused connections as rejections", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(f(`${base}/echo`, { method: "POST", body: "x", signal: controller.signal })).rejects.toThrow();
    await expect(f("http://127.0.0.1:9/echo", { method: "POST", body: "x" })).rejects.toThrow();
  });

  it("hands bodies it does not read whole (streams, forms) to the global fetch", async () => {
    const form = new FormData();
    form.set("a", "1");
    const res = await f(`${base}/echo`, { method: "POST", body: form });
    expect(((await res.json()) as { body: string }).body).toContain('name="a"');
  });
});
