import { checkEndpoint, redactUrl, type CheckedEndpoint } from "./endpoint.js";
import { endpointAgent, requestFetch } from "./http-transport.js";
import { redactSecrets } from "./redact.js";
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
  /** The result of `checkEndpoint`: every connection is pinned to its address. */
  endpoint?: CheckedEndpoint;
}

/**
 * Chat completions on any OpenAI-compatible server (vLLM, SGLang, llama.cpp server, Ollama, OpenAI,
 * Azure). vLLM extras pass through; `reasoning_content` (or `reasoning`) is kept apart from the answer.
 * Retries belong to the runner (it sees every failure), so the client itself never retries.
 */
export class OpenAICompatibleProvider implements Provider {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OpenAICompatibleOptions) {
    // The id is written into run files: never with user-info or a query string.
    this.id = `openai-compatible:${options.model}@${options.endpoint?.baseUrl ?? redactUrl(options.baseUrl).replace(/\/$/, "")}`;
    this.fetch = requestFetch(endpointAgent(options.endpoint));
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey ?? "EMPTY",
      maxRetries: 0,
      timeout: options.timeoutMs ?? 600_000,
      fetch: this.fetch,
    });
  }

  /** Checks the endpoint (loopback, or a host in `allowRemote`) and pins the provider to the checked address. */
  static async connect(
    options: OpenAICompatibleOptions & { allowRemote: readonly string[] },
  ): Promise<OpenAICompatibleProvider> {
    const endpoint = await checkEndpoint(options.baseUrl, options.allowRemote);
    return new OpenAICompatibleProvider({ ...options, endpoint });
  }

  /** Prompt tokens as this server counts them (`/tokenize`), over the same pinned connection. */
  countTokens(messages: readonly { role: string; content: string }[], signal?: AbortSignal): Promise<number> {
    return serverTokenCount(this.options.baseUrl, this.options.model, messages, {
      apiKey: this.options.apiKey,
      signal,
      fetch: this.fetch,
    });
  }

  async generate(request: GenerateRequest): Promise<Generation[]> {
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming & Record<string, unknown> = {
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
      response = await this.client.chat.completions.create(body, { signal: request.signal });
    } catch (error) {
      throw toProviderError(error, this.options.apiKey);
    }
    if (!response || !Array.isArray(response.choices) || !response.choices.length) {
      throw new ProviderError("the server's response has no choices", true);
    }
    const usage = response.usage
      ? { promptTokens: response.usage.prompt_tokens ?? 0, completionTokens: response.usage.completion_tokens ?? 0 }
      : undefined;
    return response.choices.map((choice, i) => {
      // vLLM and SGLang add the reasoning beside the answer; the SDK's type does not know it.
      const message: OpenAI.Chat.Completions.ChatCompletionMessage & {
        reasoning_content?: string | null;
        reasoning?: string | null;
      } = choice.message;
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
export async function serverTokenCount(
  baseUrl: string,
  model: string,
  messages: readonly { role: string; content: string }[],
  options: { apiKey?: string; signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<number> {
  const send = options.fetch ?? requestFetch();
  const url = new URL(baseUrl);
  url.pathname = url.pathname.replace(/\/v1\/?$/, "").replace(/\/$/, "") + "/tokenize";
  let response: Response;
  try {
    response = await send(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({ model, messages, add_generation_prompt: true }),
      signal: options.signal,
    });
  } catch (error) {
    throw new ProviderError(redactSecrets(`connection failed: ${(error as Error).message}`, options.apiKey), true);
  }
  const text = await response.text();
  if (response.status >= 300 && response.status < 400)
    throw redirectError(response.status, response.headers.get("location"));
  if (!response.ok)
    throw new ProviderError(
      redactSecrets(`HTTP ${response.status} from ${url.pathname}: ${text.slice(0, 200)}`, options.apiKey),
      response.status === 429 || response.status >= 500,
      response.status,
    );
  let body: { count?: unknown; tokens?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new ProviderError(
      redactSecrets(`unreadable response from ${url.pathname}: ${text.slice(0, 200)}`, options.apiKey),
      true,
    );
  }
  if (typeof body.count === "number") return body.count;
  if (Array.isArray(body.tokens)) return body.tokens.length;
  throw new ProviderError(`${url.pathname} answered without a token count`, false);
}

/**
 * One provider per server, each pinned to the address its URL was checked at (loopback, or a host
 * the user allowed); answers cached on disk when `cache` names a folder. The API key is the
 * caller's (read from the environment), never logged.
 */
export async function servedProviders(options: {
  baseUrls: readonly string[];
  model: string;
  allowRemote: readonly string[];
  apiKey?: string;
  timeoutMs?: number;
  cache?: string;
}): Promise<{ providers: Provider[]; served: OpenAICompatibleProvider[] }> {
  if (!options.baseUrls.length) throw new UsageError("--base-url is required");
  const served: OpenAICompatibleProvider[] = [];
  for (const baseUrl of options.baseUrls) {
    served.push(
      await OpenAICompatibleProvider.connect({
        baseUrl,
        model: options.model,
        apiKey: options.apiKey,
        timeoutMs: options.timeoutMs,
        allowRemote: options.allowRemote,
      }),
    );
  }
  const providers = served.map((provider) =>
    options.cache ? cachedProvider(provider, options.cache, options.model) : provider,
  );
  return { providers, served };
}

/** A redirect is an answer we do not follow: it would carry the prompts to an address nobody checked. */
function redirectError(status: number, location: string | null | undefined): ProviderError {
  const target = location ? ` to ${redactUrl(location)}` : "";
  return new ProviderError(
    `HTTP ${status}: the server redirected${target}; redirects are not followed (the request would leave the checked address), so point --base-url at the final URL`,
    false,
    status,
  );
}

function toProviderError(error: unknown, apiKey: string | undefined): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new ProviderError("request timed out", true);
  if (error instanceof OpenAI.APIConnectionError) return new ProviderError(`connection failed: ${error.message}`, true);
  if (error instanceof OpenAI.APIUserAbortError) return new ProviderError("aborted", false);
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    if (status !== undefined && status >= 300 && status < 400)
      return redirectError(status, error.headers?.get?.("location"));
    const retryAfter = Number(error.headers?.get?.("retry-after"));
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const detail = error.message.split("\n")[0]!.slice(0, 300);
    return new ProviderError(
      redactSecrets(`HTTP ${status ?? "?"}: ${detail}`, apiKey),
      retryable,
      status,
      Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
    );
  }
  // A body that is not the JSON it claims to be (an HTML error page, a truncated reply).
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(redactSecrets(`unreadable response: ${message.slice(0, 300)}`, apiKey), true);
}
