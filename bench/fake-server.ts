import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";

/** A loopback OpenAI-compatible server answering every request after a fixed latency (its own process). */
const latencyMs = Number(process.argv[2] ?? 50);
const app = new Hono();
app.post("/v1/chat/completions", async (c) => {
  const body = await c.req.json<{ model: string }>();
  await new Promise((r) => setTimeout(r, latencyMs));
  return c.json({
    id: "chatcmpl-bench", object: "chat.completion", created: 1763900000, model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content: "no", reasoning_content: null, tool_calls: [] },
      logprobs: { content: [{ token: "no", logprob: -0.1, bytes: [110, 111], top_logprobs: [{ token: "no", logprob: -0.1, bytes: [110, 111] }, { token: "yes", logprob: -2.4, bytes: [121, 101, 115] }] }] },
      finish_reason: "stop", stop_reason: null }],
    usage: { prompt_tokens: 1000, total_tokens: 1001, completion_tokens: 1 },
  });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
