import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES } from "../../src/eval/profiles.js";
import { runBenchmark } from "../../src/eval/runner.js";
import { checkEndpoint, isLoopbackAddress, type Resolver } from "../../src/providers/endpoint.js";
import { OpenAICompatibleProvider, serverTokenCount } from "../../src/providers/openai-compatible.js";
import { endpointAgent, requestFetch } from "../../src/providers/http-transport.js";
import { redactSecrets } from "../../src/providers/redact.js";
import { TASKS } from "../../src/tasks/registry.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/data.js";
import { startFakeServer, type FakeServer } from "../helpers/fake-openai.js";

/** A loopback server that counts every request it receives: where nothing must ever arrive. */
async function captureServer(): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const app = new Hono();
  app.all("*", (c) => {
    hits++;
    return c.json({ captured: true });
  });
  const server: ServerType = await new Promise((r) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => r(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A loopback server answering every request with a fixed status, headers and body. */
async function fixedServer(
  status: number,
  headers: Record<string, string>,
  body: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = new Hono();
  app.all("*", () => new Response(body, { status, headers: { "content-type": "application/json", ...headers } }));
  const server: ServerType = await new Promise((r) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => r(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const risk = TASKS.find((t) => t.type === "risk_prediction")!;
const SAMPLE = {
  idx: 0,
  instruction: risk.instruction,
  input: "## Patient Demographics [None]\n- Anchor_Age: 60\n- Gender: F\n\nPATIENT TEXT 10000032",
  output: "no",
  candidates: ["yes", "no"],
  task_info: { task: risk.name, task_type: "risk_prediction", label: "no" },
};

describe("the loopback rule is decided on resolved addresses", () => {
  it("knows loopback addresses, and that names are not addresses", () => {
    for (const a of ["127.0.0.1", "127.255.3.4", "::1", "0:0:0:0:0:0:0:1", "[::1]", "::ffff:127.0.0.1"])
      expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of [
      "128.0.0.1",
      "10.0.0.1",
      "::2",
      "fe80::1",
      "::ffff:8.8.8.8",
      "0.0.0.0",
      "127.example.com",
      "localhost",
      "",
    ])
      expect(isLoopbackAddress(a), a).toBe(false);
  });

  it("refuses names that look loopback but resolve elsewhere, and names that resolve partly elsewhere", async () => {
    const calls: string[] = [];
    const dns: Resolver = async (host) => {
      calls.push(host);
      if (host === "127.example.com" || host === "127.0.0.1.nip.io") return [{ address: "93.184.216.34", family: 4 }];
      if (host === "mixed.test")
        return [
          { address: "127.0.0.1", family: 4 },
          { address: "10.1.2.3", family: 4 },
        ];
      if (host === "model.test")
        return [
          { address: "127.0.0.1", family: 4 },
          { address: "::1", family: 6 },
        ];
      throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    };
    await expect(checkEndpoint("http://127.example.com/v1", [], dns)).rejects.toThrow(
      /refusing to send EHR data to 127\.example\.com: it resolves to 93\.184\.216\.34, which is not loopback/,
    );
    await expect(checkEndpoint("http://127.0.0.1.nip.io:8000/v1", [], dns)).rejects.toThrow(
      /refusing.*127\.0\.0\.1\.nip\.io/,
    );
    await expect(checkEndpoint("http://mixed.test/v1", [], dns)).rejects.toThrow(
      /resolves to 10\.1\.2\.3, which is not loopback/,
    );
    await expect(checkEndpoint("http://nowhere.test/v1", [], dns)).rejects.toThrow(
      /nowhere\.test: the name does not resolve \(ENOTFOUND\)/,
    );
    await expect(checkEndpoint("http://10.0.0.5:8000/v1", [], dns)).rejects.toThrow(
      /10\.0\.0\.5: it is not a loopback address/,
    );
    await expect(checkEndpoint("http://[::1]:8000/v1", [], dns)).resolves.toMatchObject({
      address: "::1",
      family: 6,
      remote: false,
    });
    await expect(checkEndpoint("http://model.test:8000/v1?key=abc#x", [], dns)).resolves.toEqual({
      baseUrl: "http://model.test:8000/v1",
      hostname: "model.test",
      address: "127.0.0.1",
      family: 4,
      remote: false,
    });
    await expect(checkEndpoint("http://127.example.com/v1", ["127.EXAMPLE.com"], dns)).resolves.toMatchObject({
      address: "93.184.216.34",
      remote: true,
    });
    // IP literals are never sent to DNS.
    expect(calls).not.toContain("10.0.0.5");
    expect(calls).not.toContain("::1");
  });

  it("refuses user-info in the URL, without echoing the password", async () => {
    const error = await checkEndpoint("http://alice:hunter2secret@127.0.0.1:8000/v1", []).catch(
      (e: unknown) => e as Error,
    );
    expect(String(error)).toMatch(/must not carry a user name or password.*OPENAI_API_KEY/);
    expect(String(error)).not.toContain("hunter2secret");
    await expect(checkEndpoint("file:///etc/passwd", [])).rejects.toThrow(/only http and https/);
  });

  describe("connections are pinned to the checked address", () => {
    let server: FakeServer;
    let capture: Awaited<ReturnType<typeof captureServer>>;
    beforeAll(async () => {
      server = await startFakeServer();
      capture = await captureServer();
    });
    afterAll(async () => {
      await server.close();
      await capture.close();
    });

    it("a checked name connects to the address it was checked at, and DNS is asked once", async () => {
      const port = new URL(server.url).port;
      let asked = 0;
      const dns: Resolver = async () => {
        asked++;
        return [{ address: "127.0.0.1", family: 4 }];
      };
      const endpoint = await checkEndpoint(`http://model.test:${port}/v1`, [], dns);
      const provider = new OpenAICompatibleProvider({ baseUrl: `http://model.test:${port}/v1`, model: "m", endpoint });
      expect(provider.id).toBe(`openai-compatible:m@http://model.test:${port}/v1`);
      const before = server.requests();
      for (let i = 0; i < 3; i++)
        expect((await provider.generate({ messages: [{ role: "user", content: "labs" }] }))[0]!.text).toBe(
          "Sodium\nPotassium",
        );
      expect(server.requests() - before).toBe(3);
      expect(asked).toBe(1);
    });

    it("a pinned agent refuses any other host before a socket opens", async () => {
      const endpoint = await checkEndpoint(`http://model.test:${capture.port}/v1`, [], async () => [
        { address: "127.0.0.1", family: 4 },
      ]);
      const send = requestFetch(endpointAgent(endpoint));
      await expect(
        send(`http://other.test:${capture.port}/x`, { method: "POST", body: "PATIENT TEXT" }),
      ).rejects.toThrow();
      expect(capture.hits()).toBe(0);
    });
  });
});

describe("redirects are not followed", () => {
  const dir = tempDir();
  let capture: Awaited<ReturnType<typeof captureServer>>;
  let redirecting: Awaited<ReturnType<typeof fixedServer>>;
  beforeAll(async () => {
    capture = await captureServer();
    redirecting = await fixedServer(307, { location: `http://127.0.0.1:${capture.port}/v1/chat/completions` }, "");
  });
  afterAll(async () => {
    await capture.close();
    await redirecting.close();
  });

  it("a loopback server redirecting elsewhere gets an error line, and the target receives nothing", async () => {
    const data = join(dir, "bench.jsonl");
    writeFileSync(data, `${JSON.stringify(SAMPLE)}\n`);
    const provider = await OpenAICompatibleProvider.connect({ baseUrl: redirecting.url, model: "m", allowRemote: [] });
    const run = await runBenchmark({
      data,
      providers: [provider],
      profile: PROFILES["ehr-r1"]!,
      out: join(dir, "run"),
      retries: 2,
      backoffMs: { base: 1, max: 2 },
    });
    expect(run.errors).toBe(1);
    const line = JSON.parse(readFileSync(join(dir, "run", "results.jsonl"), "utf8").trim()) as {
      error: string;
      attempts: number;
    };
    expect(line.error).toMatch(
      /^HTTP 307: the server redirected to http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions; redirects are not followed/,
    );
    expect(line.attempts).toBe(1);
    await expect(
      serverTokenCount(redirecting.url, "m", [{ role: "user", content: "PATIENT TEXT" }], { fetch: requestFetch() }),
    ).rejects.toThrow(/HTTP 307: the server redirected/);
    // The plain transport does not follow either (forms and streams included).
    const form = new FormData();
    form.set("a", "PATIENT TEXT");
    expect((await requestFetch()(redirecting.url, { method: "POST", body: form })).status).toBe(307);
    expect(capture.hits()).toBe(0);
  });
});

describe("no credential reaches a file", () => {
  const dir = tempDir();
  const KEY = "sk-proj-T0pS3cretKeyValue123";

  it("redacts OpenAI keys, bearer tokens and the configured key", () => {
    expect(redactSecrets(`Incorrect API key provided: ${KEY}. Authorization: Bearer abc.def-ghi`)).toBe(
      "Incorrect API key provided: sk-[redacted]. Authorization: Bearer [redacted]",
    );
    expect(redactSecrets("rejected key 'local-key-42' for user", "local-key-42")).toBe(
      "rejected key '[redacted]' for user",
    );
    expect(redactSecrets('{"api_key": "zzz999", "token=qqq"}')).toBe('{"api_key": "[redacted]", "token=[redacted]"}');
    expect(redactSecrets("nothing secret here")).toBe("nothing secret here");
  });

  it("a key the server echoes in its error text is not stored in results.jsonl", async () => {
    const echoing = await fixedServer(
      401,
      {},
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${KEY} (Bearer ${KEY}) also plain-key-777`,
          type: "invalid_request_error",
        },
      }),
    );
    try {
      const data = join(dir, "bench.jsonl");
      writeFileSync(data, `${JSON.stringify(SAMPLE)}\n`);
      const provider = await OpenAICompatibleProvider.connect({
        baseUrl: echoing.url,
        model: "m",
        apiKey: "plain-key-777",
        allowRemote: [],
      });
      const run = await runBenchmark({
        data,
        providers: [provider],
        profile: PROFILES["ehr-r1"]!,
        out: join(dir, "run"),
      });
      expect(run.errors).toBe(1);
      for (const file of readdirSync(join(dir, "run"))) {
        const text = readFileSync(join(dir, "run", file), "utf8");
        expect(text, file).not.toContain("T0pS3cretKeyValue123");
        expect(text, file).not.toContain("plain-key-777");
      }
      expect(readFileSync(join(dir, "run", "results.jsonl"), "utf8")).toContain("HTTP 401");
    } finally {
      await echoing.close();
    }
  });

  it("bench run refuses a --base-url with user-info, and writes nothing that holds it", async () => {
    const server = await startFakeServer();
    try {
      const data = join(dir, "cli.jsonl");
      writeFileSync(data, `${JSON.stringify(SAMPLE)}\n`);
      const url = server.url.replace("http://", "http://alice:hunter2secret@");
      const result = await runCli(
        "bench",
        "run",
        "--data",
        data,
        "--base-url",
        url,
        "--model",
        "m",
        "--out",
        join(dir, "cli-run"),
      );
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/^error: --base-url must not carry a user name or password/);
      expect(result.err + result.out).not.toContain("hunter2secret");
      expect(readdirSync(dir)).not.toContain("cli-run");
      expect(server.requests()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
