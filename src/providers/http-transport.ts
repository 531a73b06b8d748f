import { Agent, interceptors, request, type Dispatcher } from "undici";

/**
 * A `fetch` for the OpenAI SDK over undici's `request()`: the same keep-alive HTTP/1.1 connections,
 * without the WHATWG stream machinery of `fetch`, which was over half of the client's CPU per
 * request in the runner benchmark (0.67 ms of 0.94). Chat completions are small JSON documents, so
 * bodies are read whole; anything else (streams, forms) goes to the global `fetch`.
 */
export function requestFetch(agent: Agent = new Agent({ keepAliveTimeout: 30_000, connections: 512 })): typeof fetch {
  // Redirects are followed, as fetch follows them (a proxy or a server adding a trailing slash).
  const dispatcher: Dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }));
  return async (input, init = {}) => {
    const body = init.body;
    if (input instanceof Request || (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array))) return fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const response = await request(String(input), {
      method: (init.method ?? "GET") as "GET", headers, body: body ?? undefined, signal: init.signal ?? undefined, dispatcher,
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
