// Every relative link in the documentation leads somewhere: the file exists, and an #anchor names a heading of
// that file as GitHub renders it. Links inside code blocks are code, not links. And the documents stay readable
// as text: no prose line wider than the formatter's width, no table padded out of all proportion.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { anchors, linkTargets, proseLines, tableLines } from './fixtures/markdown.js';

/** Prettier's printWidth (.prettierrc): prose is wrapped by hand to it. */
const PROSE_WIDTH = 110;
/** Prettier pads a table's cells to its widest; a row wider than this means a cell that belongs in prose. */
const TABLE_WIDTH = 200;

/** Every Markdown file under a folder, recursively. */
function under(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.md'))
        .map((name) => path.join(dir, name))
    : [];
}

/** The Markdown files a user reads: the top-level ones (README, CONTRIBUTING, SECURITY, CHANGELOG), docs/ and
 * the examples' READMEs. */
function documents(): string[] {
  const top = readdirSync('.').filter((name) => name.endsWith('.md'));
  return [...top, ...under('docs'), ...under('examples')].sort();
}

/** The documents the width rules hold for: the README and docs/. */
const WRAPPED = ['README.md', ...under('docs')].sort();

/** Relative link targets: no scheme (http:, mailto:, …). */
const relativeLinks = (markdown: string): string[] =>
  linkTargets(markdown).filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));

describe('documentation links', () => {
  const files = documents();

  it('finds the documents', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'CONTRIBUTING.md',
        'SECURITY.md',
        'CHANGELOG.md',
        'docs/aws-setup.md',
        'docs/many-roles.md',
        'examples/cloudformation/README.md',
        'examples/terraform/github-oidc-role/README.md',
      ]),
    );
  });

  it.each(files)('%s: every relative link names a file that exists, and a heading of it', (file) => {
    const text = readFileSync(file, 'utf8');
    const broken = relativeLinks(text).filter((target) => {
      const [where = '', anchor] = target.split('#');
      const resolved = where === '' ? file : path.normalize(path.join(path.dirname(file), where));
      if (!existsSync(resolved)) return true;
      if (anchor === undefined) return false;
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) return true;
      return !anchors(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor));
    });
    expect(broken).toEqual([]);
  });
});

describe('documentation width', () => {
  it('covers the README and docs/', () => {
    expect(WRAPPED).toEqual(expect.arrayContaining(['README.md', 'docs/aws-setup.md', 'docs/inputs.md']));
  });

  it.each(WRAPPED)(`%s: no line of prose is wider than ${PROSE_WIDTH} characters`, (file) => {
    const wide = proseLines(readFileSync(file, 'utf8'))
      .filter(({ text }) => [...text].length > PROSE_WIDTH)
      .map(({ line, text }) => `${file}:${line} (${[...text].length}): ${text.slice(0, 60)}…`);
    expect(wide).toEqual([]);
  });

  it.each(WRAPPED)(`%s: no table row is wider than ${TABLE_WIDTH} characters`, (file) => {
    const wide = tableLines(readFileSync(file, 'utf8'))
      .filter(({ text }) => [...text].length > TABLE_WIDTH)
      .map(({ line, text }) => `${file}:${line} (${[...text].length})`);
    expect(wide).toEqual([]);
  });
});

describe('the width rules', () => {
  const long = 'word '.repeat(30).trim();

  it('see prose, list items and block quotes', () => {
    const lines = proseLines(`${long}\n- ${long}\n> ${long}\n`)
      .filter(({ text }) => text !== '')
      .map(({ line }) => line);
    expect(lines).toEqual([1, 2, 3]);
  });

  it('leave out code blocks, tables, headings, comments and lines that are one link', () => {
    const markdown = [
      '```sh',
      long,
      '```',
      `| ${long} |`,
      `> | ${long} |`,
      `## ${long}`,
      `<!-- ${long} -->`,
      `[${long}](docs/examples.md#${'a'.repeat(40)})`,
      `- [${long}](docs/examples.md)`,
      `https://example.com/${'a'.repeat(120)}`,
      'prose',
    ].join('\n');
    expect(proseLines(markdown).map(({ text }) => text)).toEqual(['', '', '', 'prose']);
    expect(tableLines(markdown).map(({ line }) => line)).toEqual([4, 5]);
  });
});

describe('GitHub heading anchors', () => {
  it.each([
    ['## Why was my OIDC request refused?', 'why-was-my-oidc-request-refused'],
    ['## 1. Which subject form does your repository have?', '1-which-subject-form-does-your-repository-have'],
    ['### `role-chaining`: two accounts', 'role-chaining-two-accounts'],
    ['### `aws-region`', 'aws-region'],
    ['## Long jobs: refresh-credentials', 'long-jobs-refresh-credentials'],
    [
      '### Shared self-hosted runners (profile-location: job)',
      'shared-self-hosted-runners-profile-location-job',
    ],
    [
      '## Switching from aws-actions/configure-aws-credentials',
      'switching-from-aws-actionsconfigure-aws-credentials',
    ],
    ['## See [the README](../README.md)', 'see-the-readme'],
  ])('%s → #%s', (heading, anchor) => {
    expect(anchors(`${heading}\n`)).toEqual(new Set([anchor]));
  });

  it('numbers repeated headings', () => {
    expect(anchors('## Outputs\n\n## Outputs\n')).toEqual(new Set(['outputs', 'outputs-1']));
  });

  it('ignores lines in code blocks that look like headings', () => {
    expect(anchors('```sh\n# a comment\n```\n## Real\n')).toEqual(new Set(['real']));
  });
});
