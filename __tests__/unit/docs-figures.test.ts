// Every figure the documentation quotes can be reproduced: the README quotes none (a measured time, ratio, size
// or share goes stale the day the code changes), and every section of docs/ that quotes one names the command
// that prints it, `npm run bench` or a test suite, so a reader can run it and compare.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A measured figure: a number with a unit of time, a ratio, a size or a share. */
const FIGURE = /(?<![\w.])\d+(?:[.,]\d+)?(?:\s?(?:ms|µs|MiB|KiB|GiB|MB|KB|GB|kB)\b|\s?×|x(?=\s|$)|\s?%)/g;

/** What prints figures in this repository: the bench, or a test suite (by its npm script or its file). */
const COMMAND =
  /npm run bench|npm (?:run )?test(?::(?:e2e|unit))?\b|__tests__\/[\w/.-]+\.test\.ts|\bnpm run fuzz\b/;

/**
 * Limits the code sets, which a document may state without a command: each with where the code says it, checked
 * below so that a limit the code no longer has can't stay in the documentation.
 */
const LIMITS: Readonly<Record<string, { readonly file: string; readonly says: string }>> = {
  '64 KiB': { file: 'src/sources/token-file.ts', says: 'MAX_TOKEN_BYTES = 64 * 1024' },
};

/** Prose only: no fenced code blocks, inline code, link targets or URLs (versions, ids, ports live there). */
function prose(markdown: string): string {
  return markdown
    .replace(/^( *)```[\s\S]*?^\1```$/gm, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/https?:\/\/\S+/g, '');
}

/** The figures in a text's prose (a limit of LIMITS is not a measured figure). */
function figures(markdown: string): string[] {
  return [...prose(markdown).matchAll(FIGURE)]
    .map(([figure]) => figure.trim())
    .filter((figure) => !Object.hasOwn(LIMITS, figure));
}

/** A document's `##` sections (the text before the first one included), each with its heading. */
function sections(markdown: string): { heading: string; text: string }[] {
  const parts = markdown.split(/^(?=## )/m);
  return parts.map((text) => ({ heading: /^## (.*)/.exec(text)?.[1] ?? '(top)', text }));
}

const docs = readdirSync('docs')
  .filter((name) => name.endsWith('.md'))
  .map((name) => path.join('docs', name))
  .sort();

describe('figures', () => {
  it('finds what counts as a figure, and not what does not', () => {
    expect(
      figures('took 105 ms, 0.70× the reference; 67.8 MiB; 1.27 MB of JavaScript; 12% of the time'),
    ).toEqual(['105 ms', '0.70×', '67.8 MiB', '1.27 MB', '12%']);
    expect(
      figures('role-duration-seconds from 900 to 43200; retries 12; `0.5x` in code; v1.2.3; 5 s'),
    ).toEqual([]);
    expect(figures('```text\nTime 412 ms\n```\n[bench](https://example.com/42ms)')).toEqual([]);
  });

  it.each(Object.entries(LIMITS))('%s is a limit the code sets (%j)', (_figure, { file, says }) => {
    expect(readFileSync(file, 'utf8')).toContain(says);
  });

  it('README.md quotes none', () => {
    expect(figures(readFileSync('README.md', 'utf8'))).toEqual([]);
  });

  it('finds the figures of the performance and reliability pages', () => {
    expect(figures(readFileSync('docs/performance.md', 'utf8')).length).toBeGreaterThanOrEqual(20);
    expect(figures(readFileSync('docs/reliability.md', 'utf8')).length).toBeGreaterThanOrEqual(8);
  });

  it.each(docs)('%s: every section that quotes a figure names the command that prints it', (file) => {
    const unsourced = sections(readFileSync(file, 'utf8'))
      .filter(({ text }) => figures(text).length > 0 && !COMMAND.test(text))
      .map(({ heading, text }) => `${heading}: ${figures(text).join(', ')}`);
    expect(unsourced).toEqual([]);
  });
});
