import { InputError } from '../errors.js';

// Strict parsers for action inputs. Each takes the input's name and raw (already trimmed) value, and either
// returns the typed value or throws an InputError that names the input, what it accepts and what it got.

/** YAML 1.2 core-schema spellings of true and false. */
export const TRUE_VALUES: readonly string[] = ['true', 'True', 'TRUE'];
export const FALSE_VALUES: readonly string[] = ['false', 'False', 'FALSE'];

/** Shows a received value in an error message, shortened, without control characters. */
export function shown(raw: string): string {
  const oneLine = raw.replace(/[\r\n\t]/g, ' ');
  return JSON.stringify(oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine);
}

/** Refuses a value holding a line break (workflow commands and env files are line-based). */
export function singleLine(name: string, raw: string): string {
  if (/[\r\n]/.test(raw))
    throw new InputError(name, `${name} must be a single line, but it holds a line break`);
  return raw;
}

/** A YAML 1.2 core-schema boolean; empty means the default. */
export function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (TRUE_VALUES.includes(raw)) return true;
  if (FALSE_VALUES.includes(raw)) return false;
  throw new InputError(
    name,
    `${name} must be true or false (true | True | TRUE | false | False | FALSE), got ${shown(raw)}`,
  );
}

/** A whole number in [min, max]; empty means the default. */
export function parseInteger(
  name: string,
  raw: string,
  {
    min,
    max = Number.MAX_SAFE_INTEGER,
    fallback,
  }: { min: number; max?: number; fallback: number | undefined },
): number | undefined {
  if (raw === '') return fallback;
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  if (!/^\d+$/.test(raw))
    throw new InputError(name, `${name} must be an integer ${range}, got ${shown(raw)}`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new InputError(name, `${name} must be an integer ${range}, got ${raw}`);
  return value;
}

/** A value matching a pattern; `accepted` describes the pattern to the user. */
export function parsePattern(name: string, raw: string, pattern: RegExp, accepted: string): string {
  singleLine(name, raw);
  if (!pattern.test(raw)) throw new InputError(name, `${name} must be ${accepted}, got ${shown(raw)}`);
  return raw;
}

/** A list separated by commas and/or line breaks, empty items dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[,\r\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A URL as the log may show it: a user name and password become ***. */
export function withoutPassword(url: string): string {
  return url.replace(/^([^/]*\/\/)[^@/]*@/, '$1***@');
}

/** An http(s) URL; with `hideCredentials`, a user:password part is never quoted back. */
export function parseUrl(name: string, raw: string, { hideCredentials = false } = {}): string {
  singleLine(name, raw);
  const quoted = shown(hideCredentials ? withoutPassword(raw) : raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(name, `${name} must be an http:// or https:// URL, got ${quoted}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(name, `${name} must be an http:// or https:// URL, got ${quoted}`);
  }
  return raw;
}

/** JSON text, parsed. */
export function parseJson(name: string, raw: string, accepted: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InputError(name, `${name} must be ${accepted}, but it is not valid JSON (${why})`);
  }
}
