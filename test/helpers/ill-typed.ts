/** A value of the wrong type on purpose: what untyped callers (JSON, Python shims) can pass. */
export const illTyped = <T>(value: unknown): T => value as T;
