import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback OpenAI-compatible server answering every request after a fixed latency (its own
 * process), with a vLLM-format body. Plain node:http and a pre-built answer: in the real setting the
 * inference server runs elsewhere, so its CPU here should disturb the runner's figures as little as possible.
 */
const latencyMs = Number(process.argv[2] ?? 50);
const answer = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1763900000,
    model: "bench",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "no", reasoning_content: null, tool_calls: [] },
        logprobs: {
          content: [
            {
              token: "no",
              logprob: -0.1,
              bytes: [110, 111],
              top_logprobs: [
                { token: "no", logprob: -0.1, bytes: [110, 111] },
                { token: "yes", logprob: -2.4, bytes: [121, 101, 115] },
              ],
            },
          ],
        },
        finish_reason: "stop",
        stop_reason: null,
      },
    ],
    usage: { prompt_tokens: 1000, total_tokens: 1001, completion_tokens: 1 },
  }),
);
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () =>
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": answer.length });
      res.end(answer);
    }, latencyMs),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
