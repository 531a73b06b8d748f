import { redactSecrets } from "./redact.js";
import { ProviderError, type Generation, type GenerateRequest, type Provider } from "./types.js";

export interface RetryPolicy {
  /** Attempts beyond the first for retryable failures (default 6). */
  retries?: number;
  /** Backoff base and cap (ms): base·2^attempt with jitter, or the server's Retry-After. */
  backoffMs?: { base: number; max: number };
  signal?: AbortSignal;
}

/** One request with retries on 429, 5xx, timeouts, dropped connections and garbled bodies. */
export async function generateWithRetries(
  provider: Provider,
  request: GenerateRequest,
  policy: RetryPolicy,
): Promise<{ generations: Generation[] | null; error: string | null; attempts: number }> {
  const retries = policy.retries ?? 6;
  const backoff = policy.backoffMs ?? { base: 500, max: 30_000 };
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return { generations: await provider.generate(request), error: null, attempts };
    } catch (error) {
      const failure =
        error instanceof ProviderError
          ? error
          : new ProviderError(error instanceof Error ? error.message : String(error), false);
      // Error texts are written into results files: a key the server echoed never reaches them.
      if (!failure.retryable || attempts > retries || policy.signal?.aborted)
        return { generations: null, error: redactSecrets(failure.message, process.env.OPENAI_API_KEY), attempts };
      const wait =
        failure.retryAfterMs ?? Math.min(backoff.max, backoff.base * 2 ** (attempts - 1)) * (0.5 + Math.random() * 0.5);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
