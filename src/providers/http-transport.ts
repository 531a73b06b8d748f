import type { LookupAddress, LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, fetch as undiciFetch, request } from "undici";
import type { CheckedEndpoint } from "./endpoint.js";

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A connection lookup that answers only the checked host, and only with the checked address: after
 * `checkEndpoint`, DNS is never asked again (a rebinding resolver cannot move the connection), and a
 * request to any other host fails before a socket opens.
 */
export function pinnedLookup(endpoint: Pick<CheckedEndpoint, "hostname" | "address" | "family">): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (hostname.toLowerCase().replace(/^\[|\]$/g, "") !== endpoint.hostname) {
      const error: NodeJS.ErrnoException = new Error(
        `refusing to connect to ${hostname}: only ${endpoint.hostname} (${endpoint.address}) was checked`,
      );
      error.code = "EHR_R1_UNCHECKED_HOST";
      callback(error, "");
      return;
    }
    if (options?.all) callback(null, [{ address: endpoint.address, family: endpoint.family }]);
    else callback(null, endpoint.address, endpoint.family);
  };
}

/** An undici agent whose every connection goes to the checked address (or anywhere, without an endpoint: tests only). */
export function endpointAgent(endpoint?: CheckedEndpoint): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    connections: 512,
    ...(endpoint ? { connect: { lookup: pinnedLookup(endpoint) } } : {}),
  });
}

/**
 * A `fetch` for the OpenAI SDK over undici's `request()`: the same keep-alive HTTP/1.1 connections,
 * without the WHATWG stream machinery of `fetch`, which was over half of the client's CPU per
 * request in the runner benchmark (0.67 ms of 0.94). Chat completions are small JSON documents, so
 * bodies are read whole; anything else (streams, forms) goes to undici's `fetch` on the same agent.
 *
 * Redirects are never followed: a redirect would send the prompts (patient text) to a host that was
 * not checked. The 3xx answer is handed back as it is, and the caller reports it.
 */
export function requestFetch(agent: Agent = endpointAgent()): typeof fetch {
  return async (input, init = {}) => {
    const body = init.body;
    if (
      input instanceof Request ||
      (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array))
    ) {
      const source = input instanceof Request ? input : new Request(input, init);
      const response = await undiciFetch(source.url, {
        method: source.method,
        headers: [...source.headers],
        body: source.body ? new Uint8Array(await source.arrayBuffer()) : undefined,
        signal: init.signal ?? undefined,
        redirect: "manual",
        dispatcher: agent,
      });
      return new Response(response.status === 204 || response.status === 304 ? null : await response.arrayBuffer(), {
        status: response.status,
        headers: [...response.headers],
      });
    }
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const response = await request(String(input), {
      method: (init.method ?? "GET") as "GET",
      headers,
      body: body ?? undefined,
      signal: init.signal ?? undefined,
      dispatcher: agent,
    });
    const text = await response.body.text();
    const out = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (value !== undefined) out.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const empty = response.statusCode === 204 || response.statusCode === 304;
    return new Response(empty ? null : text, { status: response.statusCode, headers: out });
  };
}
