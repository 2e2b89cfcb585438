// docs/troubleshooting.md against the code: every message the action can print as an error or a warning (collected
// from src/ by __tests__/unit/fixtures/printed-messages.ts) has an entry, and every entry still matches a message.
//
// The convention: an entry is a `###` heading that is the message as printed, in a code span, from its beginning up
// to where it starts to vary or a little beyond; `<anything>` stands for a part that varies. A reason printed after
// another message's prefix (`Could not get a GitHub OIDC token for audience "<audience>": the request timed out`)
// is matched after the `: ` in the entry. The diagnosis lines of a refused OIDC token are matched against the code
// spans and the `text` blocks of the section "Why was my OIDC request refused?".
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  constantLength,
  documents,
  parsePlaceholders,
  printedMessages,
  render,
  sharedConstant,
  type PrintedMessage,
} from './fixtures/printed-messages.js';
import { codeBlocks, section } from './fixtures/markdown.js';

const DOC = 'docs/troubleshooting.md';
const doc = readFileSync(DOC, 'utf8');

/** Messages made in the sources that never reach a user: each with why, and checked to still exist. */
const INTERNAL: ReadonlyArray<{ readonly text: string; readonly why: string }> = [
  {
    text: 'not retried',
    why: 'the retry strategy tells the AWS SDK to stop; the SDK rethrows the request error',
  },
  {
    text: 'not a web identity source',
    why: 'an invariant: the web identity path is only taken for such a source',
  },
  { text: 'hop <n> gave no credentials to sign hop <n>', why: 'an invariant: every hop returns credentials' },
];

/** The code spans of a Markdown line, with CommonMark's rule for backticks inside (`` `a` ``). */
function codeSpans(line: string): string[] {
  const spans: string[] = [];
  for (const match of line.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) {
    const text = match[2]!;
    spans.push(/^ .* $/.test(text) && text.trim() !== '' ? text.slice(1, -1) : text);
  }
  return spans;
}

/** The entries: `###` headings outside code blocks that start with a code span. */
function entries(markdown: string): string[] {
  const found: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced || !/^### `/.test(line)) continue;
    found.push(...codeSpans(line.slice(4)));
  }
  return found;
}

/** What the section on the OIDC diagnosis documents: its code spans and the lines of its text blocks. */
function diagnosisLines(markdown: string): string[] {
  const text = section(markdown, '## Why was my OIDC request refused?');
  const outsideCode = text.replace(/^```[\s\S]*?^```$/gm, '');
  const spans = outsideCode.split('\n').flatMap(codeSpans);
  const blockLines = codeBlocks(text)
    .filter(({ lang }) => lang === 'text')
    .flatMap(({ code }) => code.split('\n'));
  return [...spans, ...blockLines].map((line) => line.replace(/^\s*(- )?/, ''));
}

/** A message's pattern without the indentation and line ends it is printed with. */
function trimmed(message: PrintedMessage): PrintedMessage {
  const pattern = [...message.pattern];
  const first = pattern[0];
  if (typeof first === 'string') pattern[0] = first.replace(/^\s*(- )?/, '');
  const last = pattern.at(-1);
  if (typeof last === 'string') pattern[pattern.length - 1] = last.replace(/\s+$/, '');
  return { ...message, pattern, text: render(pattern) };
}

const messages = printedMessages('src').map(trimmed);
const internal = (message: PrintedMessage): boolean =>
  INTERNAL.some(({ text }) => documents(text, message.pattern, { anywhere: false }));
const shown = messages.filter((message) => !internal(message));
const lines = shown.filter(({ kind }) => kind !== 'diagnosis');
const diagnosis = shown.filter(({ kind }) => kind === 'diagnosis');
const documented = entries(doc);

// PRINTED_MESSAGES=<file> writes what the collector found, for whoever writes the entries.
if (process.env.PRINTED_MESSAGES)
  writeFileSync(
    process.env.PRINTED_MESSAGES,
    messages.map((m) => `${m.kind}\t${m.where}\t${m.text}\n`).join(''),
  );

/**
 * Whether a documented line is what the action prints: the beginning of a message, or one's beginning up to a
 * ": " followed by another message (the reason printed after that prefix).
 */
function madeOfMessages(entry: string): boolean {
  const starts = (text: string, anywhere = false): boolean =>
    lines.some((message) => documents(text, message.pattern, { anywhere }));
  if (starts(entry)) return true;
  for (let i = entry.indexOf(': '); i >= 0; i = entry.indexOf(': ', i + 1))
    if (starts(`${entry.slice(0, i + 2)}<…>`) && starts(entry.slice(i + 2), true)) return true;
  return false;
}

/** One line per message, at most `limit`, for a failure that is readable. */
function listed(list: readonly PrintedMessage[], limit = 40): string[] {
  const seen = new Set<string>();
  return list
    .filter(({ where }) => !seen.has(where) && seen.add(where))
    .slice(0, limit)
    .map(({ where, text }) => `${where}: ${text}`);
}

describe('the message collector', () => {
  it('finds the messages of every kind the action prints', () => {
    expect(lines.filter(({ kind }) => kind === 'error').length).toBeGreaterThanOrEqual(150);
    expect(lines.filter(({ kind }) => kind === 'warning').length).toBeGreaterThanOrEqual(20);
    expect(diagnosis.length).toBeGreaterThanOrEqual(20);
    // Made in over a hundred places.
    expect(new Set(messages.map(({ where }) => where)).size).toBeGreaterThanOrEqual(110);
  });

  it.each([
    ['an input error', 'aws-region is required: set it to the region to use, like us-east-1'],
    // parsePattern's name and what it accepts, from each call site
    ['a parsed input', 'aws-region must be an AWS region like us-east-1 or eu-west-1, got "<…>"'],
    // lineError's problem, through `fail` passed to checkFullArn
    ['a line of a chain', 'role-to-assume line <…>: "<…>" is not a role ARN: every line of a chain must be'],
    ['a source error', 'No credentials to assume <…> with: aws-access-key-id and web-identity-token-file'],
    ['an STS refusal', 'Could not assume <…> with GitHub OIDC: <…>'],
    ['a hint', 'the trust policy of <…> does not accept this token.'],
    ['an answer check', 'The STS endpoint <…> answered AssumeRole with no Credentials.Expiration'],
    [
      'a warning pushed to an array',
      'NODE_OPTIONS is set ("<…>"): Node applied it before the action started',
    ],
    [
      'a warning in a returned object',
      'No GitHub OIDC token, because the job lacks `permissions: id-token: write`.',
    ],
    ['the post step', 'Cleanup could not undo everything the main step did: <…>'],
    ['the refresh process', 'assume-aws-role refresh-credentials: could not get new credentials: <…>'],
    ['a diagnosis line', 'A trust policy statement that admits exactly this job:'],
    ['a likely cause', 'Dependabot runs have their own sub and permissions'],
  ])('finds %s: %s', (_what, start) => {
    const wanted = parsePlaceholders(start);
    expect(messages.some(({ pattern }) => render(pattern).startsWith(render(wanted)))).toBe(true);
  });

  it('still finds each message it leaves out as internal', () => {
    for (const { text } of INTERNAL)
      expect(messages.filter((message) => documents(text, message.pattern, { anywhere: false }))).not.toEqual(
        [],
      );
  });

  it('matches a documented start to a message, placeholders both ways', () => {
    const message = parsePlaceholders(
      'role-to-assume line <n>: unknown setting "<key>": the accepted settings',
    );
    expect(documents('role-to-assume line <n>: unknown setting "<key>"', message)).toBe(true);
    expect(documents('role-to-assume line <n>: unknown option "<key>"', message)).toBe(false);
    // After a prefix: a reason printed after another message's ": ".
    expect(
      documents(
        'Could not get a GitHub OIDC token for audience "<aud>": the request timed out',
        parsePlaceholders('the request timed out'),
      ),
    ).toBe(true);
    // A value known only at run time is a placeholder in the entry too, unless it ends the message.
    expect(documents('role-to-assume line 2: unknown setting "<key>"', message)).toBe(false);
    const open = parsePlaceholders('Could not assume <…> with GitHub OIDC: <…>');
    expect(documents('Could not assume <role> with GitHub OIDC: the trust policy of <role>', open)).toBe(
      true,
    );
    // The two agree until one of them ends: a message may be followed by more.
    const required = parsePlaceholders('aws-region is required');
    expect(documents('aws-region is required (aws-region was not set, so …)', required)).toBe(true);
    expect(sharedConstant(parsePlaceholders('aws-region is wanted'), required)).toBe(-1);
    // The beginning of a message, then another message after its ": ".
    expect(
      madeOfMessages('Could not get a GitHub OIDC token for audience "<a>": the request timed out'),
    ).toBe(true);
    expect(madeOfMessages('Could not get a GitHub OIDC token for audience "<a>": the request was slow')).toBe(
      false,
    );
    // Holes alone share nothing.
    expect(documents('<message> (<names>)', parsePlaceholders('<…> (profiles <…> failed too)'))).toBe(false);
  });
});

describe(`${DOC}`, () => {
  it('has entries', () => {
    expect(documented.length).toBeGreaterThanOrEqual(100);
  });

  it('has an entry for every error and warning the action prints', () => {
    const missing = lines.filter((message) => !documented.some((entry) => documents(entry, message.pattern)));
    expect(listed(missing)).toEqual([]);
  });

  it('explains every line of the OIDC refusal diagnosis', () => {
    const explained = diagnosisLines(doc);
    const missing = diagnosis.filter(
      (message) => !explained.some((line) => documents(line, message.pattern)),
    );
    expect(listed(missing)).toEqual([]);
  });

  it('has no entry that matches no message any more', () => {
    expect(documented.filter((entry) => !madeOfMessages(entry))).toEqual([]);
  });

  it('writes each entry with enough constant text to find it', () => {
    expect(documented.filter((entry) => constantLength(parsePlaceholders(entry)) < 12)).toEqual([]);
  });

  it('has each entry once', () => {
    expect(documented.filter((entry, i) => documented.indexOf(entry) !== i)).toEqual([]);
  });
});
