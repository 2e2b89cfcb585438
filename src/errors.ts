/** An input that breaks a rule; its message names the input and what it accepts. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** A failure whose message already says what happened and what to change. */
export class ActionError extends Error {
  /** Lines that explain the failure further, printed before it (a diagnosis). */
  readonly details: readonly string[];
  constructor(message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options);
    this.name = 'ActionError';
    this.details = options?.details ?? [];
  }
}

/** The message of anything thrown, including non-Error throws. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** The error's AWS/Node code, if it has one (`AccessDenied`, `ECONNREFUSED`, …). */
export function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; code?: unknown; Code?: unknown };
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== 'Error') return candidate;
  }
  return undefined;
}

/**
 * Replaces every known secret in a text with `***`. The runner masks registered secrets in the job log,
 * but error messages also reach places it doesn't see (job summary, local runs), so they are redacted too.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
