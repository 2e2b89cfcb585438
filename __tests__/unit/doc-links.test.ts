// Every relative link in the documentation leads somewhere: the file exists, and an #anchor names a heading of
// that file as GitHub renders it. Links inside code blocks are code, not links.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The Markdown files a user reads: the top-level ones, docs/ and the examples' READMEs. */
function documents(): string[] {
  const top = readdirSync('.').filter((name) => name.endsWith('.md'));
  const under = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((name) => name.endsWith('.md'))
          .map((name) => path.join(dir, name))
      : [];
  return [...top, ...under('docs'), ...under('examples')].sort();
}

/** The text outside fenced code blocks and inline code. */
function prose(markdown: string): string {
  return markdown.replace(/^( *)```[\s\S]*?^\1```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const [, text = ''] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    found.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return found;
}

/** Relative links `[text](target)` outside code. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)]
    .map(([, target = '']) => target)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe('documentation links', () => {
  const files = documents();

  it('finds the documents', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'SECURITY.md', 'docs/aws-setup.md']));
  });

  it.each(files)('%s: every relative link names a file that exists, and a heading of it', (file) => {
    const text = readFileSync(file, 'utf8');
    const broken = links(text).filter((target) => {
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

describe('GitHub heading anchors', () => {
  it.each([
    ['## Why was my OIDC request refused?', 'why-was-my-oidc-request-refused'],
    ['## 1. Which subject form does your repository have?', '1-which-subject-form-does-your-repository-have'],
    ['### `role-chaining`: two accounts', 'role-chaining-two-accounts'],
    ['## Long jobs: refresh-credentials', 'long-jobs-refresh-credentials'],
  ])('%s → #%s', (heading, anchor) => {
    expect(anchors(`${heading.replace(/`/g, '')}\n`)).toEqual(new Set([anchor]));
  });

  it('numbers repeated headings', () => {
    expect(anchors('## Outputs\n\n## Outputs\n')).toEqual(new Set(['outputs', 'outputs-1']));
  });
});
