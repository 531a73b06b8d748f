/**
 * Credentials a server may echo back in an error text (a proxy quoting the Authorization header, a
 * gateway printing the key it rejected): OpenAI-style keys, bearer tokens, and the configured key
 * itself. Error texts are written into run files, so they pass through here first.
 */
const PATTERNS: readonly [RegExp, string][] = [
  [/\bsk-[A-Za-z0-9_-]{6,}/g, "sk-[redacted]"],
  [/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, "Bearer [redacted]"],
  [/\b(api[-_]?key|token|password)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, "$1$2[redacted]"],
];

export function redactSecrets(text: string, ...secrets: (string | undefined)[]): string {
  let out = text;
  // The configured secrets first: a key that matches no pattern is still removed.
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
