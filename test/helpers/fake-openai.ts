import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";

/**
 * A loopback OpenAI-compatible server replaying vLLM's wire format (chat.completion objects with
 * `reasoning_content` and `logprobs.content[].top_logprobs`, errors as vLLM/FastAPI send them).
 * Faults are scripted by markers in the user message: `FAULT:429`, `FAULT:500`, `FAULT:html`,
 * `FAULT:drop` (the connection is cut) and `FAULT:slow` fail once per sample, then answer;
 * `FAULT:always500` never answers.
 */
export interface FakeServer {
  url: string;
  requests: () => number;
  bodies: Record<string, unknown>[];
  close: () => Promise<void>;
}

export async function startFakeServer(options: { latencyMs?: number } = {}): Promise<FakeServer> {
  const app = new Hono();
  const seenFaults = new Set<string>();
  const bodies: Record<string, unknown>[] = [];
  let count = 0;
  app.post("/v1/chat/completions", async (c) => {
    count++;
    const body = await c.req.json<{
      model: string;
      messages: { role: string; content: string }[];
      logprobs?: boolean;
      top_logprobs?: number;
      n?: number;
    }>();
    bodies.push(body);
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const user = body.messages.find((m) => m.role === "user")?.content ?? "";
    const fault = /FAULT:(\w+)/.exec(user)?.[1];
    const key = `${fault}|${user.slice(0, 200)}`;
    if (fault === "always500")
      return c.json({ object: "error", message: "engine dead", type: "InternalServerError", code: 500 }, 500);
    if (fault && !seenFaults.has(key)) {
      seenFaults.add(key);
      if (fault === "429")
        return c.json({ object: "error", message: "Too many requests", type: "RateLimitError", code: 429 }, 429, {
          "Retry-After": "0",
        });
      if (fault === "500")
        return c.json({ object: "error", message: "internal error", type: "InternalServerError", code: 500 }, 500);
      if (fault === "html") return c.html("<html><body><h1>502 Bad Gateway</h1></body></html>", 200);
      if (fault === "drop") {
        // Cut the TCP connection without a response, as a crashed server or proxy does.
        const incoming = (c.env as { incoming: { socket: { destroy: () => void } } }).incoming;
        incoming.socket.destroy();
        return new Response(null);
      }
      if (fault === "slow") await new Promise((r) => setTimeout(r, 1500));
    }
    const risk = user.includes("please predict whether");
    // A synthesis prompt gets a chain in the three-section format.
    const chain =
      "## Extraction\n**Labotary Test Events [2180-06-27 05:10:00]**: low sodium on the last panel.\n## Reasoning\nElectrolytes are rechecked after a low value.\n## Final Results\nSodium\nPotassium";
    // A MedCalc-Bench prompt gets EHRMIND's answer format with a fixed value.
    const medcalc = '<think>\nweight 48 kg, creatinine 1.4 mg/dL\n</think>\n<answer>\n{"answer": "25.3"}\n</answer>';
    const answer = user.includes("# Patient EHR Context #")
      ? chain
      : user.includes("calculating a score for a given patient note")
        ? medcalc
        : risk
          ? user.includes("POSITIVE")
            ? "yes"
            : "no"
          : "Sodium\nPotassium";
    const yes = user.includes("POSITIVE") ? -0.105 : -2.302;
    const no = user.includes("POSITIVE") ? -2.302 : -0.105;
    const top = [
      { token: "yes", logprob: yes, bytes: [121, 101, 115] },
      { token: "no", logprob: no, bytes: [110, 111] },
      { token: "Yes", logprob: -6.0, bytes: [89, 101, 115] },
    ];
    const n = body.n ?? 1;
    return c.json({
      id: `chatcmpl-${count}`,
      object: "chat.completion",
      created: 1763900000,
      model: body.model,
      choices: Array.from({ length: n }, (_, index) => ({
        index,
        message: {
          role: "assistant",
          content: answer,
          refusal: null,
          annotations: null,
          audio: null,
          function_call: null,
          tool_calls: [],
          reasoning_content: user.includes("THINK") ? "checked the labs" : null,
        },
        logprobs: body.logprobs
          ? {
              content: [
                {
                  token: risk ? answer : "S",
                  logprob: -0.105,
                  bytes: [115],
                  top_logprobs: top.slice(0, body.top_logprobs ?? 2),
                },
              ],
            }
          : null,
        finish_reason: "stop",
        stop_reason: null,
      })),
      service_tier: null,
      system_fingerprint: null,
      usage: { prompt_tokens: 100, total_tokens: 101, completion_tokens: 1, prompt_tokens_details: null },
      prompt_logprobs: null,
      kv_transfer_params: null,
    });
  });
  // vLLM's /tokenize: a made-up count (one token per 4 characters of content, plus 5 per message).
  app.post("/tokenize", async (c) => {
    const body = await c.req.json<{ messages: { content: string }[] }>();
    const tokens = body.messages.reduce((a, m) => a + 5 + Math.ceil(m.content.length / 4), 0);
    return c.json({
      count: tokens,
      max_model_len: 32768,
      tokens: Array.from({ length: tokens }, (_, i) => i),
      token_strs: null,
    });
  });
  const server: ServerType = await new Promise((resolveServer) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolveServer(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => count,
    bodies,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
