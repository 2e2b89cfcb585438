import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../src/errors.js';
import {
  parseBoolean,
  parseInteger,
  parseJson,
  parseList,
  parsePattern,
  parseUrl,
  shown,
  singleLine,
} from '../../src/inputs/parsers.js';

/** The InputError `parse` throws. */
function inputError(parse: () => unknown): InputError {
  try {
    parse();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('the value was accepted');
}

describe('shown', () => {
  it.each([
    ['1h', '"1h"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['a\nb\r\nc\td', '"a b  c d"'],
    ['x'.repeat(80), `"${'x'.repeat(80)}"`],
    ['x'.repeat(81), `"${'x'.repeat(77)}..."`],
  ])('shows %j as %s', (raw, expected) => {
    expect(shown(raw)).toBe(expected);
  });
});

describe('singleLine', () => {
  it('returns a value without line breaks', () => {
    expect(singleLine('audience', 'sts.amazonaws.com')).toBe('sts.amazonaws.com');
  });
  it.each(['a\nb', 'a\r\nb', 'a\rb', '\n'])('refuses %j without showing it', (raw) => {
    const error = inputError(() => singleLine('audience', raw));
    expect(error.input).toBe('audience');
    expect(error.message).toBe('audience must be a single line, but it holds a line break');
  });
});

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('reads %s as %s', (raw, value) => {
    expect(parseBoolean('disable-retry', raw, !value)).toBe(value);
  });
  it.each([true, false])('reads empty as the default %s', (fallback) => {
    expect(parseBoolean('disable-retry', '', fallback)).toBe(fallback);
  });
  it.each(['yes', 'no', 'y', 'n', '1', '0', 'on', 'off', 'tRue', ' true', 'true '])('refuses %j', (raw) => {
    const error = inputError(() => parseBoolean('disable-retry', raw, false));
    expect(error.input).toBe('disable-retry');
    expect(error.message).toBe(
      `disable-retry must be true or false (true | True | TRUE | false | False | FALSE), got ${JSON.stringify(raw)}`,
    );
  });
});

describe('parseInteger', () => {
  const duration = { min: 900, max: 43200, fallback: 3600 };
  const attempts = { min: 1, fallback: 12 };

  it.each([
    ['900', duration, 900],
    ['43200', duration, 43200],
    ['0900', duration, 900],
    ['', duration, 3600],
    ['1', attempts, 1],
    ['9007199254740991', attempts, Number.MAX_SAFE_INTEGER],
    ['', { min: 1, fallback: undefined }, undefined],
  ])('reads %j as %s', (raw, options, value) => {
    expect(parseInteger('n', raw, options)).toBe(value);
  });

  it.each([
    ['1h', duration, 'must be an integer from 900 to 43200, got "1h"'],
    ['3600.5', duration, 'must be an integer from 900 to 43200, got "3600.5"'],
    ['-1', duration, 'must be an integer from 900 to 43200, got "-1"'],
    [' 1e3', duration, 'must be an integer from 900 to 43200, got " 1e3"'],
    ['1e3', duration, 'must be an integer from 900 to 43200, got "1e3"'],
    ['0x384', duration, 'must be an integer from 900 to 43200, got "0x384"'],
    ['٣٦٠٠', duration, 'must be an integer from 900 to 43200, got "٣٦٠٠"'],
    ['899', duration, 'must be an integer from 900 to 43200, got 899'],
    ['43201', duration, 'must be an integer from 900 to 43200, got 43201'],
    ['0', attempts, 'must be an integer of at least 1, got 0'],
    ['ten', attempts, 'must be an integer of at least 1, got "ten"'],
  ])('refuses %j', (raw, options, message) => {
    const error = inputError(() => parseInteger('n', raw, options));
    expect(error.input).toBe('n');
    expect(error.message).toBe(`n ${message}`);
  });
});

describe('parsePattern', () => {
  const NAME = /^[a-z]{2,4}$/;
  it('returns a matching value', () => {
    expect(parsePattern('name', 'abc', NAME, '2 to 4 letters')).toBe('abc');
  });
  it.each([
    ['a', 'name must be 2 to 4 letters, got "a"'],
    ['abcde', 'name must be 2 to 4 letters, got "abcde"'],
    ['ab\ncd', 'name must be a single line, but it holds a line break'],
  ])('refuses %j', (raw, message) => {
    const error = inputError(() => parsePattern('name', raw, NAME, '2 to 4 letters'));
    expect(error.input).toBe('name');
    expect(error.message).toBe(message);
  });
});

describe('parseList', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a,b', ['a', 'b']],
    [' a , b ,, c ', ['a', 'b', 'c']],
    ['a\nb\r\nc', ['a', 'b', 'c']],
    ['a,\n b,\n', ['a', 'b']],
  ])('splits %j into %j', (raw, items) => {
    expect(parseList(raw)).toEqual(items);
  });
});

describe('parseUrl', () => {
  it.each(['https://sts.us-east-1.amazonaws.com', 'http://localhost:5000', 'http://user:pass@proxy:3128/'])(
    'accepts %s as given',
    (raw) => {
      expect(parseUrl('sts-endpoint', raw)).toBe(raw);
    },
  );
  it.each([
    'sts.amazonaws.com',
    'localhost:5000',
    'ftp://example.com',
    'file:///etc/hosts',
    'socks5://proxy:1080',
    '',
  ])('refuses %j', (raw) => {
    const error = inputError(() => parseUrl('sts-endpoint', raw));
    expect(error.input).toBe('sts-endpoint');
    expect(error.message).toBe(`sts-endpoint must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  });
  it('refuses a URL over two lines', () => {
    expect(inputError(() => parseUrl('http-proxy', 'http://a\nhttp://b')).message).toBe(
      'http-proxy must be a single line, but it holds a line break',
    );
  });
});

describe('parseJson', () => {
  it.each([
    ['{"a": "b"}', { a: 'b' }],
    ['[1, 2]', [1, 2]],
    ['"text"', 'text'],
    ['null', null],
  ])('parses %s', (raw, value) => {
    expect(parseJson('custom-tags', raw, 'a JSON object')).toEqual(value);
  });
  it.each(['', '{', "{'a': 'b'}", '{"a": "b",}', 'undefined'])('refuses %j, saying why', (raw) => {
    const error = inputError(() => parseJson('custom-tags', raw, 'a JSON object'));
    expect(error.input).toBe('custom-tags');
    expect(error.message).toMatch(/^custom-tags must be a JSON object, but it is not valid JSON \(.+\)$/);
  });
});
