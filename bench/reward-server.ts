import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { rewardApp } from "../src/rewards/server.js";

/**
 * The reward server under test (`reward`), or the lower bound (`bare`): a hono endpoint on the same
 * route that reads the body and returns a constant. Its own process; prints its port.
 */
const kind = process.argv[2] ?? "reward";
let app: Hono;
if (kind === "bare") {
  app = new Hono();
  const constant = JSON.stringify({ rewards: [0], scores: [0], extra_logs: {} });
  app.post("/get_reward", async (c) => {
    await c.req.text();
    return c.body(constant, 200, { "content-type": "application/json" });
  });
} else app = rewardApp();
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
