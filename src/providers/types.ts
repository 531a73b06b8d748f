import type { ChatMessage } from "../render/tokenizer.js";

/** What a provider may know of the sample it answers: its id in the dataset (the contract stays free of the domain's record type). */
export interface SampleRef {
  readonly idx: number;
}

/**
 * The one contract every model source implements (OpenAI-compatible servers, built-in baselines):
 * messages and sampling settings in, one or more generations out. Small on purpose, like promptfoo's
 * `callApi` or vercel/ai's language-model spec; a shared conformance suite checks each implementation.
 */
export interface GenerateRequest {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  /** Generations per request. */
  n?: number;
  /** Ask for the first tokens' top log-probabilities (p(yes) for risk tasks). */
  topLogprobs?: number;
  /** Passed to the server's chat template (vLLM/SGLang), e.g. `{enable_thinking: false}`. */
  chatTemplateKwargs?: Record<string, unknown>;
  /** Further request fields servers understand (vLLM: `continue_final_message`, `add_generation_prompt`). */
  extraBody?: Record<string, unknown>;
  /** The sample being answered: providers that do not call a model (baselines) look their answer up by it. */
  sample?: SampleRef;
  signal?: AbortSignal;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
}

export interface Generation {
  text: string;
  /** Server-side reasoning (`reasoning_content`), when the server separates it. */
  reasoning: string | null;
  finishReason: string | null;
  /** Top log-probabilities of the first generated token. */
  firstTokenTopLogprobs: TokenLogprob[] | null;
  /** A provider's own probability that the answer is yes (baselines). */
  pYes?: number;
  /** Token counts of the whole request, on the first generation (for cost accounting). */
  usage?: { promptTokens: number; completionTokens: number };
}

export interface Provider {
  readonly id: string;
  generate(request: GenerateRequest): Promise<Generation[]>;
}

/** A failed request: `retryable` says whether trying again may help (429, 5xx, timeouts, dropped connections, garbled bodies). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/** p(yes) from the first token's top log-probabilities: softmax over the yes and no variants (case, leading space). */
export function pYesFromLogprobs(top: readonly TokenLogprob[] | null): number | null {
  if (!top?.length) return null;
  let yes = 0;
  let no = 0;
  for (const t of top) {
    const word = t.token.trim().toLowerCase();
    if (word === "yes") yes += Math.exp(t.logprob);
    else if (word === "no") no += Math.exp(t.logprob);
  }
  return yes + no > 0 ? yes / (yes + no) : null;
}
