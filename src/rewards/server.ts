import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import { z } from "zod";
import { EhrR1Error, UsageError } from "../errors.js";
import { labelProblem, rewardFor, type RewardOptions } from "./core.js";
import { DEFAULT_ENGINE_TOKENS, engineCompletion, type EngineTokens } from "./engine-text.js";

export interface RewardServerOptions extends RewardOptions {
  /** Required as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Completions per request (default 4,096). */
  maxBatch?: number;
  /** Request body limit in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  logger?: Logger;
  /** Special tokens to strip from the engines' text (default: those of the common chat models; null: none, `--parity`). */
  engineTokens?: EngineTokens | null;
}

const openrlhf = z.object({
  query: z.array(z.string()),
  prompts: z.array(z.string()).optional(),
  labels: z.array(z.string()),
});
const batch = z.object({
  items: z.array(
    z.object({ task: z.string(), completion: z.string(), ground_truth: z.unknown(), prompt: z.string().optional() }),
  ),
});

/**
 * The reward service RL engines call. OpenRLHF's protocol: `POST /get_reward` with `{query, prompts,
 * labels}` (`query[i]` = templated prompt + completion; `labels[i]` = JSON `{"task", "ground_truth"}`)
 * answers `{rewards, scores, extra_logs}`. `POST /score` takes `{items: [{task, completion, ground_truth, prompt?}]}`.
 * A label naming an unknown task or holding a broken ground truth is a 400 naming its index: a
 * misconfigured dataset should stop a run, not train it on penalties.
 */
export function rewardApp(options: RewardServerOptions = {}): Hono {
  const app = new Hono();
  const log = options.logger ?? pino({ level: "silent" });
  const maxBatch = options.maxBatch ?? 4096;
  const tokens = options.engineTokens === undefined ? DEFAULT_ENGINE_TOKENS : options.engineTokens;
  app.get("/health", (c) => c.json({ ok: true }));
  if (options.token)
    app.use("/get_reward", bearerAuth({ token: options.token })).use("/score", bearerAuth({ token: options.token }));
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes ?? 64 * 2 ** 20,
    onError: (c) => c.json({ error: "request body too large" }, 413),
  });
  const read = async <T>(c: { req: { json: () => Promise<unknown> } }, schema: z.ZodType<T>): Promise<T | string> => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return "body is not JSON";
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      return `${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message ?? "invalid"}`;
    return parsed.data;
  };
  app.post("/get_reward", limit, async (c) => {
    const started = performance.now();
    const body = await read(c, openrlhf);
    if (typeof body === "string") return c.json({ error: body }, 400);
    if (body.query.length !== body.labels.length || (body.prompts && body.prompts.length !== body.query.length))
      return c.json({ error: "query, prompts and labels must have the same length" }, 400);
    if (body.query.length > maxBatch)
      return c.json({ error: `batch of ${body.query.length} exceeds ${maxBatch}` }, 413);
    const labels: { task: string; ground_truth: unknown }[] = [];
    for (const [i, text] of body.labels.entries()) {
      let label: { task?: unknown; ground_truth?: unknown };
      try {
        label = JSON.parse(text) as typeof label;
      } catch {
        return c.json({ error: `labels[${i}]: not JSON` }, 400);
      }
      if (!label || typeof label !== "object" || typeof label.task !== "string")
        return c.json({ error: `labels[${i}].task: expected a string` }, 400);
      const problem = labelProblem(label.task, label.ground_truth);
      if (problem) return c.json({ error: `labels[${i}]: ${problem}` }, 400);
      labels.push({ task: label.task, ground_truth: label.ground_truth });
    }
    const results = body.query.map((query, i) => {
      const prompt = body.prompts?.[i] ?? "";
      const completion = engineCompletion(query, prompt, tokens);
      return rewardFor(labels[i]!.task, completion, labels[i]!.ground_truth, prompt ? { ...options, prompt } : options);
    });
    log.info({ route: "get_reward", n: results.length, ms: Math.round(performance.now() - started) }, "scored");
    return c.json({
      // `scores` drive OpenRLHF's dynamic filtering and must lie in [0, 1]: correctness, 0 for a broken format.
      rewards: results.map((r) => r.score),
      scores: results.map((r) => (r.components.format ? Math.min(1, Math.max(0, r.components.correctness)) : 0)),
      extra_logs: {
        format_ok: results.map((r) => (r.components.format ? 1 : 0)),
        correctness: results.map((r) => r.components.correctness),
      },
    });
  });
  app.post("/score", limit, async (c) => {
    const body = await read(c, batch);
    if (typeof body === "string") return c.json({ error: body }, 400);
    if (body.items.length > maxBatch)
      return c.json({ error: `batch of ${body.items.length} exceeds ${maxBatch}` }, 413);
    for (const [i, item] of body.items.entries()) {
      const problem = labelProblem(item.task, item.ground_truth);
      if (problem) return c.json({ error: `items[${i}]: ${problem}` }, 400);
    }
    return c.json({
      results: body.items.map((i) =>
        rewardFor(
          i.task,
          engineCompletion(i.completion, i.prompt, tokens),
          i.ground_truth,
          i.prompt ? { ...options, prompt: i.prompt } : options,
        ),
      ),
    });
  });
  return app;
}

/** RFC 6750's b64token: what an `Authorization: Bearer` header can carry unquoted. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Serves the reward app (127.0.0.1 by default); `close` stops accepting and finishes requests in flight. */
export async function serveRewards(
  options: RewardServerOptions & { host?: string; port?: number } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  // The token itself is never echoed: it is a credential.
  if (options.token !== undefined && !BEARER_TOKEN.test(options.token)) {
    throw new UsageError(
      "EHR_R1_REWARD_TOKEN has characters outside the bearer-token alphabet (letters, digits, - . _ ~ + / and trailing =): clients could not send it; choose another token",
    );
  }
  const app = rewardApp(options);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const server: ServerType = await new Promise((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => {
      s.off("error", reject);
      resolveServer(s);
    });
    s.once("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? "the port is in use; choose another --port"
          : error.code === "EADDRNOTAVAIL"
            ? "no interface has that address"
            : error.code === "EACCES"
              ? "permission denied (ports below 1024 need privileges)"
              : error.message;
      reject(new EhrR1Error(`cannot listen on ${host}:${port}: ${why}`));
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
