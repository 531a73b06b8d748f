import { requestFetch } from "./http-transport.js";
import OpenAI from "openai";
import { UsageError } from "../errors.js";
import { cachedProvider } from "./cache.js";
import { ProviderError, type Generation, type GenerateRequest, type Provider } from "./types.js";

export interface OpenAICompatibleOptions {
  baseUrl: string;
  model: string;
  /** Read from the environment by the caller; never logged or written anywhere. */
  apiKey?: string;
  /** Per-request timeout (ms). Default 600,000. */
  timeoutMs?: number;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/**
 * MIMIC-IV is credentialed data: its use agreement forbids sending it to third parties. Only
 * loopback endpoints are allowed unless the user names the host.
 */
export function checkEndpoint(baseUrl: string, allowRemote: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url ${baseUrl} is not a URL`);
  }
  const host = url.hostname.toLowerCase();
  if (LOOPBACK.has(host) || host.startsWith("127.")) return;
  if (allowRemote.map((h) => h.toLowerCase()).includes(host)) return;
  throw new UsageError(`refusing to send EHR data to ${host}: it is not a loopback address. If you may share this data with that host, pass --allow-remote ${host}`);
}

/**
 * Chat completions on any OpenAI-compatible server (vLLM, SGLang, llama.cpp server, Ollama, OpenAI,
 * Azure). vLLM extras pass through; `reasoning_content` (or `reasoning`) is kept apart from the answer.
 * Retries belong to the runner (it sees every failure), so the client itself never retries.
 */
export class OpenAICompatibleProvider implements Provider {
  readonly id: string;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.id = `openai-compatible:${options.model}@${options.baseUrl}`;
    this.client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey ?? "EMPTY", maxRetries: 0, timeout: options.timeoutMs ?? 600_000, fetch: requestFetch() });
  }

  async generate(request: GenerateRequest): Promise<Generation[]> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      messages: request.messages,
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.n !== undefined && request.n > 1 ? { n: request.n } : {}),
      ...(request.topLogprobs ? { logprobs: true, top_logprobs: request.topLogprobs } : {}),
      ...(request.chatTemplateKwargs ? { chat_template_kwargs: request.chatTemplateKwargs } : {}),
      ...request.extraBody,
    };
    let response: OpenAI.Chat.Completions.ChatCompletion;
    try {
      response = (await this.client.chat.completions.create(body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, { signal: request.signal })) as OpenAI.Chat.Completions.ChatCompletion;
    } catch (error) {
      throw toProviderError(error);
    }
    if (!response || !Array.isArray(response.choices) || !response.choices.length) {
      throw new ProviderError("the server's response has no choices", true);
    }
    const usage = response.usage ? { promptTokens: response.usage.prompt_tokens ?? 0, completionTokens: response.usage.completion_tokens ?? 0 } : undefined;
    return response.choices.map((choice, i) => {
      const message = choice.message as unknown as { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
      const top = choice.logprobs?.content?.[0]?.top_logprobs ?? null;
      return {
        text: message?.content ?? "",
        reasoning: message?.reasoning_content ?? message?.reasoning ?? null,
        finishReason: choice.finish_reason ?? null,
        firstTokenTopLogprobs: top ? top.map((t) => ({ token: t.token, logprob: t.logprob })) : null,
        ...(i === 0 && usage ? { usage } : {}),
      };
    });
  }
}

/**
 * Tokens of a chat prompt as the server counts them (vLLM and SGLang's `/tokenize`, beside `/v1`),
 * chat template included: for budgets when no local tokenizer folder is at hand.
 */
export async function serverTokenCount(baseUrl: string, model: string, messages: readonly { role: string; content: string }[], options: { apiKey?: string; signal?: AbortSignal } = {}): Promise<number> {
  const url = new URL(baseUrl);
  url.pathname = url.pathname.replace(/\/v1\/?$/, "").replace(/\/$/, "") + "/tokenize";
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
      body: JSON.stringify({ model, messages, add_generation_prompt: true }),
      signal: options.signal,
    });
  } catch (error) {
    throw new ProviderError(`connection failed: ${(error as Error).message}`, true);
  }
  const text = await response.text();
  if (!response.ok) throw new ProviderError(`HTTP ${response.status} from ${url.pathname}: ${text.slice(0, 200)}`, response.status === 429 || response.status >= 500, response.status);
  let body: { count?: unknown; tokens?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new ProviderError(`unreadable response from ${url.pathname}: ${text.slice(0, 200)}`, true);
  }
  if (typeof body.count === "number") return body.count;
  if (Array.isArray(body.tokens)) return body.tokens.length;
  throw new ProviderError(`${url.pathname} answered without a token count`, false);
}

/**
 * One provider per server, after the loopback check on every URL; answers cached on disk when
 * `cache` names a folder. The API key is the caller's (read from the environment), never logged.
 */
export function servedProviders(options: {
  baseUrls: readonly string[]; model: string; allowRemote: readonly string[]; apiKey?: string; timeoutMs?: number; cache?: string;
}): Provider[] {
  if (!options.baseUrls.length) throw new UsageError("--base-url is required");
  for (const url of options.baseUrls) checkEndpoint(url, options.allowRemote);
  return options.baseUrls.map((baseUrl) => {
    const provider = new OpenAICompatibleProvider({ baseUrl, model: options.model, apiKey: options.apiKey, timeoutMs: options.timeoutMs });
    return options.cache ? cachedProvider(provider, options.cache, options.model) : provider;
  });
}

function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new ProviderError("request timed out", true);
  if (error instanceof OpenAI.APIConnectionError) return new ProviderError(`connection failed: ${error.message}`, true);
  if (error instanceof OpenAI.APIUserAbortError) return new ProviderError("aborted", false);
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const retryAfter = Number(error.headers?.get?.("retry-after"));
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const detail = error.message.split("\n")[0]!.slice(0, 300);
    return new ProviderError(`HTTP ${status ?? "?"}: ${detail}`, retryable, status, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
  }
  // A body that is not the JSON it claims to be (an HTML error page, a truncated reply).
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`unreadable response: ${message.slice(0, 300)}`, true);
}
