// The documentation against the action: the README stays short, and its Inputs and Outputs tables list exactly
// what action.yml declares, with the same defaults; docs/inputs.md documents every input (default, variable,
// accepted values, the errors src/ gives) and every output; docs/migration.md names exactly the differences the
// side-by-side suite shows; every input's description in action.yml says its default and what it accepts; and
// every workflow example (README, docs/, the examples' READMEs) parses, uses the one placeholder, sets only real
// inputs with values the action accepts, and grants id-token: write where it relies on GitHub OIDC. The README's
// examples are docs/examples.md's, word for word, and its index links every one of them.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readConfig } from '../../src/inputs/config.js';
import { INPUT_VARIABLES } from '../../src/inputs/variables.js';
import {
  allTableRows,
  codeBlocks,
  headings,
  linkTargets,
  plain,
  section,
  type CodeBlock,
} from './fixtures/markdown.js';

interface ActionInput {
  readonly description: string;
  readonly required?: boolean;
  readonly default?: string;
}

interface ActionMetadata {
  readonly name: string;
  readonly description: string;
  readonly branding?: { readonly icon?: string; readonly color?: string };
  readonly inputs: Readonly<Record<string, ActionInput>>;
  readonly outputs: Readonly<Record<string, { readonly description: string }>>;
  readonly runs: { readonly using: string; readonly main: string; readonly post?: string };
}

const action = parse(readFileSync('action.yml', 'utf8')) as ActionMetadata;
const readme = readFileSync('README.md', 'utf8');
const inputs = Object.entries(action.inputs);
const outputs = Object.keys(action.outputs);

/** The README's budget: what it is, a quick start and the reference in brief; depth lives in docs/. */
const README_MAX_BYTES = 30_000;

/** The placeholder every example writes for this action. */
const USES = 'OWNER/REPO@v1';

/** Markdown files under a folder, recursively ('' when it does not exist yet). */
function markdownUnder(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.md'))
        .map((name) => path.join(dir, name))
        .sort()
    : [];
}

/** Documents whose examples a user copies: the README, docs/ and the examples' READMEs. */
const DOCUMENTS = [
  'README.md',
  ...markdownUnder('docs'),
  ...markdownUnder('examples').filter((file) => path.basename(file) === 'README.md'),
];

/** A document another helper may not have written yet: the tests that need it fail, saying so. */
function readDocument(file: string): string {
  if (!existsSync(file)) throw new Error(`${file} does not exist yet`);
  return readFileSync(file, 'utf8');
}

/** An input description ends with "Default: <value>. Accepts <values>." or "Required. Accepts <values>." */
const STATED = /(?:Default: (?<default>.+?)|(?<required>Required))\. Accepts (?<accepts>.+)\.$/s;

function stated(name: string): { default: string | undefined; required: boolean; accepts: string } {
  const match = STATED.exec(action.inputs[name]!.description.replace(/\s+/g, ' ').trim());
  if (!match?.groups) throw new Error(`${name}: the description doesn't end with "Default: … . Accepts … ."`);
  return {
    default: match.groups.default,
    required: match.groups.required !== undefined,
    accepts: match.groups.accepts!,
  };
}

/** What the docs must say an input's default is: "required", action.yml's default, or the stated one. */
function documentedDefault(name: string): string {
  const input = action.inputs[name]!;
  if (input.required) return 'required';
  return input.default !== undefined ? String(input.default) : stated(name).default!;
}

const unquote = (cell: string): string => /^`([^`]+)`$/.exec(cell)?.[1] ?? cell;

describe('action.yml', () => {
  it('has a name, a Marketplace-sized description, branding and a node24 main and post', () => {
    expect(action.name).toBeTruthy();
    expect(action.description.length).toBeLessThanOrEqual(125);
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
    expect(action.runs).toMatchObject({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/cleanup/index.js',
    });
  });

  it('declares exactly the inputs the action reads', () => {
    const read = new Set<string>();
    readConfig((name) => {
      read.add(name);
      return name === 'aws-region' ? 'us-east-1' : '';
    }, {});
    expect(Object.keys(action.inputs).filter((name) => !read.has(name))).toEqual([]);
    expect([...read].filter((name) => !(name in action.inputs))).toEqual([]);
  });

  it.each(inputs)('%s: the description states its default and accepted values', (name, input) => {
    const { default: described, required, accepts } = stated(name);
    expect(required).toBe(input.required === true);
    if (input.default !== undefined) expect(described).toBe(String(input.default));
    if (input.default === 'true' || input.default === 'false') expect(accepts).toBe('true or false');
    if (/^\d+$/.test(input.default ?? '')) expect(accepts).toMatch(/whole number/);
  });
});

describe('README', () => {
  it(`is at most ${README_MAX_BYTES} bytes`, () => {
    expect(Buffer.byteLength(readme, 'utf8')).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('has its sections in the order a new user needs them', () => {
    const order = [
      'Quick start',
      'Switching from aws-actions/configure-aws-credentials',
      'How the credential source is chosen',
      'Examples',
      'Inputs',
      'Outputs',
      'Troubleshooting',
      'Security notes',
      'Documentation',
      'Contributing',
      'License',
    ];
    const top = headings(readme)
      .filter((heading) => heading.level === 2)
      .map((heading) => heading.text);
    expect(top.filter((text) => order.includes(text))).toEqual(order);
  });

  it('links every document of docs/', () => {
    const linked = new Set(linkTargets(section(readme, '## Documentation')).map((t) => t.split('#')[0]));
    const expected = [
      'aws-setup.md',
      'migration.md',
      'examples.md',
      'inputs.md',
      'troubleshooting.md',
      'credentials-lifecycle.md',
      'refresh-credentials.md',
      'many-roles.md',
      'job-summary.md',
      'reliability.md',
      'performance.md',
    ];
    const present = markdownUnder('docs').map((file) => path.basename(file));
    const all = [...new Set([...expected, ...present])].map((name) => `docs/${name}`);
    expect(all.filter((file) => !linked.has(file))).toEqual([]);
  });
});

describe('README: Inputs', () => {
  const rows = allTableRows(section(readme, '## Inputs'));
  const row = (name: string): string[] => {
    const found = rows.find((cells) => unquote(cells[0]!) === name);
    if (!found) throw new Error(`README's Inputs tables have no row for ${name}`);
    return found;
  };

  it("lists exactly action.yml's inputs, in the same order", () => {
    expect(rows.map((cells) => unquote(cells[0]!))).toEqual(Object.keys(action.inputs));
  });

  it.each(inputs)('%s: the Default column matches action.yml', (name) => {
    expect(plain(row(name)[1]!)).toBe(documentedDefault(name));
  });

  it.each(inputs)('%s: one line says what it does', (name) => {
    const cell = row(name)[2] ?? '';
    expect(cell).toMatch(/\S/);
    expect(row(name)).toHaveLength(3);
  });
});

describe('README: Outputs', () => {
  it("lists exactly action.yml's outputs, in the same order", () => {
    const rows = allTableRows(section(readme, '## Outputs'));
    expect(rows.map((cells) => unquote(cells[0]!))).toEqual(outputs);
  });
});

describe('README: Quick start', () => {
  const quickStart = section(readme, '## Quick start');
  const blocks = codeBlocks(quickStart);
  const nonEmpty = (block: CodeBlock): string[] =>
    block.code.split('\n').filter((line) => line.trim() !== '');
  const workflow = blocks.filter((b) => b.lang === 'yaml');
  const setups = blocks.filter((b) => b.lang === 'sh');

  it('has one workflow, and the AWS setup for an account with and without the GitHub OIDC provider', () => {
    expect(workflow).toHaveLength(1);
    expect(setups.length).toBeGreaterThanOrEqual(2);
    const existingProvider = setups.filter((b) => /CreateOidcProvider=false/.test(b.code));
    expect(existingProvider).toHaveLength(1);
    expect(setups.filter((b) => !/CreateOidcProvider=false/.test(b.code)).length).toBeGreaterThan(0);
  });

  it('fits the workflow and either AWS setup in 20 lines', () => {
    for (const setup of setups) {
      expect(nonEmpty(setup).length + nonEmpty(workflow[0]!).length).toBeLessThanOrEqual(20);
    }
  });

  it("names both of GitHub's subject forms, and the date new repositories get the immutable one", () => {
    expect(quickStart).toContain('repo:my-org/my-app:');
    expect(quickStart).toMatch(/repo:my-org@<owner id>\/my-app@<repository id>:/);
    expect(quickStart).toMatch(/immutable form/);
    expect(quickStart).toMatch(/2026-07-15/);
  });
});

describe('docs/inputs.md', () => {
  const doc = (): string => readDocument('docs/inputs.md');
  /** The `### \`name\`` sections of one `## ` part. */
  const documented = (part?: string): string[] =>
    headings(part === undefined ? doc() : section(doc(), part))
      .filter((heading) => heading.level === 3 && /^[a-z][\w-]*$/.test(heading.text))
      .map((heading) => heading.text);
  const entry = (name: string): string => section(doc(), `### \`${name}\``);
  /** The `- **Key:** value` items at the top of an entry. */
  const item = (name: string, key: string): string => {
    const match = new RegExp(`^- \\*\\*${key}:\\*\\* (.+(?:\\n {2}.+)*)$`, 'm').exec(entry(name));
    if (!match) throw new Error(`docs/inputs.md: ${name} has no "- **${key}:**" item`);
    return plain(match[1]!);
  };

  it("documents exactly action.yml's inputs, in the same order, then its outputs", () => {
    const all = documented();
    const outputsPart = documented('## Outputs');
    expect(outputsPart).toEqual(outputs);
    expect(all.slice(0, all.length - outputsPart.length)).toEqual(Object.keys(action.inputs));
  });

  it.each(inputs)('%s: the default is the one action.yml states', (name) => {
    expect(item(name, 'Default')).toBe(documentedDefault(name));
  });

  it.each(inputs)('%s: the variable that stands in for it is the one the action reads', (name) => {
    const variables = INPUT_VARIABLES[name] ?? [];
    const written = item(name, 'Variable');
    if (variables.length === 0) expect(written).toBe('none');
    else expect(written.match(/[A-Z][A-Z0-9_]+/g)).toEqual([...variables]);
  });

  it.each(inputs)('%s: the accepted values agree with action.yml', (name) => {
    const accepts = item(name, 'Accepts');
    const { accepts: declared } = stated(name);
    if (declared === 'true or false') expect(accepts).toBe('true or false.');
    if (/whole number/.test(declared)) expect(accepts).toMatch(/whole number/);
    expect(accepts.length).toBeGreaterThan(0);
  });

  it.each(outputs)('%s: says when it is set', (name) => {
    expect(section(section(doc(), '## Outputs'), `### \`${name}\``)).toMatch(/\b[Ss]et\b/);
  });

  // The messages src/ gives for broken inputs, up to their first variable part. Each must be in docs/inputs.md
  // (code marks and line breaks aside), so that a new rule can't go undocumented.
  const sources = readdirSync('src', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join('src', file));
  const messages = sources.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const found: string[] = [];
    // new InputError('input', 'message' | `message ${…}`)
    const thrown =
      /new InputError\(\s*[^,()]+,\s*(?:'((?:\\.|[^'\\])*)'|`((?:\\.|[^`\\])*)`|"((?:\\.|[^"\\])*)")/g;
    for (const match of text.matchAll(thrown)) found.push(match[1] ?? match[2] ?? match[3] ?? '');
    // A line of role-to-assume or profiles: lineError(input, line, 'problem') and the fail('problem') helpers.
    if (file.startsWith(path.join('src', 'inputs'))) {
      for (const match of text.matchAll(
        /\b(?:lineError\(\s*input,\s*[^,]+,|fail\(|why\()\s*(?:'([^']*)'|`([^`]*)`)/g,
      ))
        found.push(match[1] ?? match[2] ?? '');
    }
    return found.map((literal) => ({ file, start: literal.split('${')[0]!.replace(/\\(.)/g, '$1').trim() }));
  });
  const constant = messages.filter(({ start }) => start.length >= 12);
  const normalised = (text: string): string => text.replace(/`/g, '').replace(/\s+/g, ' ');

  it('finds the input errors in src/', () => {
    expect(constant.length).toBeGreaterThanOrEqual(40);
    expect(constant.map(({ start }) => start)).toEqual(
      expect.arrayContaining([
        'aws-region is required: set it to the region to use, like us-east-1',
        'role-chaining needs role-to-assume: set the role to assume with the current credentials',
        'custom-tags may hold at most',
      ]),
    );
  });

  it('quotes every input error src/ can give', () => {
    const text = normalised(doc());
    const missing = constant
      .filter(({ start }) => !text.includes(normalised(start)))
      .map(({ file, start }) => `${file}: ${start}`);
    expect(missing).toEqual([]);
  });
});

describe('docs/migration.md', () => {
  // The differences the side-by-side suite asserts (one table), and the ids the migration guide names.
  const table = readFileSync('__tests__/e2e/sameness-differences.ts', 'utf8');
  const tested = [...table.matchAll(/^ {2}'([\w-]+)': \{$/gm)].map((match) => match[1]);
  const doc = (): string => readDocument('docs/migration.md');
  /** Each difference is named in brackets after the sentence about it: [`one-id`] or [`one`, `two`]. */
  const ids = (text: string): string[] =>
    [...text.matchAll(/\[(`[\w-]+`(?:, `[\w-]+`)*)\](?!\()/g)].flatMap((match) =>
      [...(match[1] ?? '').matchAll(/`([\w-]+)`/g)].map((id) => id[1]!),
    );

  it('names exactly the differences the sameness suite shows, each once', () => {
    expect(tested.length).toBeGreaterThan(20);
    expect(ids(doc()).sort()).toEqual([...tested].sort());
  });

  it('backs every difference with a test: an id of the sameness table, or a link to the test', () => {
    const parts = doc()
      .split(/^## /m)
      .filter((part) => /^(Where|What|Shown)/.test(part));
    expect(parts.length).toBeGreaterThanOrEqual(4);
    const items = parts.flatMap((part) => part.split(/^- /m).slice(1));
    expect(items.length).toBeGreaterThanOrEqual(tested.length);
    const unbacked = items.filter(
      (item) => ids(item).length === 0 && !/\]\(\.\.\/__tests__\/[^)]+\.test\.ts\)/.test(item),
    );
    expect(unbacked).toEqual([]);
  });

  it('is linked from the README, which keeps a short version', () => {
    const switching = section(readme, '## Switching from aws-actions/configure-aws-credentials');
    expect(linkTargets(switching)).toContain('docs/migration.md');
    expect(switching).toContain('-      - uses: aws-actions/configure-aws-credentials@');
  });
});

interface Step {
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
}

interface Job {
  readonly 'runs-on': string | readonly string[];
  readonly permissions?: string | Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly on: unknown;
  readonly permissions?: string | Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

const isWorkflow = (value: unknown): value is Workflow =>
  typeof value === 'object' && value !== null && 'jobs' in value;

const examples: (CodeBlock & { doc: string })[] = DOCUMENTS.flatMap((doc) =>
  codeBlocks(readFileSync(doc, 'utf8')).map((block) => ({ ...block, doc })),
);
const label = (block: { doc: string; line: number }): string => `${block.doc}:${block.line}`;
const yamlBlocks = examples.filter((b) => b.lang === 'yaml' || b.lang === 'yml');
const workflows = yamlBlocks
  .map((block) => ({ block, workflow: parse(block.code) as unknown }))
  .filter((found): found is { block: (typeof yamlBlocks)[number]; workflow: Workflow } =>
    isWorkflow(found.workflow),
  );

/** An input value as the runner would pass it: expressions replaced by a plausible value. */
function inputValue(value: unknown): string {
  return String(value).replace(/\$\{\{[^}]*\}\}/g, (expression) =>
    expression.includes('run_id') ? '13579' : 'example',
  );
}

/** `with:` plus action.yml's defaults, trimmed, as core.getInput gives them. */
function getInputFor(step: Step): (name: string) => string {
  return (name) => {
    const given = step.with?.[name];
    return (given === undefined ? (action.inputs[name]?.default ?? '') : inputValue(given)).trim();
  };
}

const grants = (permissions: Job['permissions']): boolean =>
  permissions === 'write-all' || (typeof permissions === 'object' && permissions['id-token'] === 'write');

describe('examples in the README, docs/ and examples/', () => {
  it('reads every document with examples', () => {
    expect(DOCUMENTS).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/aws-setup.md',
        'examples/cloudformation/README.md',
        'examples/terraform/github-oidc-role/README.md',
      ]),
    );
  });

  it('has workflow examples to check', () => {
    expect(workflows.length).toBeGreaterThanOrEqual(10);
  });

  it.each(yamlBlocks.map((b) => [label(b), b] as const))('%s: the YAML parses', (_, block) => {
    expect(() => parse(block.code, { strict: true, uniqueKeys: true })).not.toThrow();
  });

  it.each(examples.map((b) => [label(b), b] as const))(
    '%s: every uses: is this action (OWNER/REPO@v1) or one of actions/*',
    (_, block) => {
      for (const line of block.code.split('\n')) {
        const match = /^([-+ ]?)\s*(?:-\s+)?uses:\s*(\S+)/.exec(line);
        if (!match) continue;
        const [, diff, uses] = match as unknown as [string, string, string];
        // The migration diff removes the reference action; GitHub's own actions (checkout…) may appear.
        const allowed =
          uses === USES ||
          uses.startsWith('actions/') ||
          (diff === '-' &&
            block.lang === 'diff' &&
            uses.startsWith('aws-actions/configure-aws-credentials@'));
        expect({ line: line.trim(), allowed }).toEqual({ line: line.trim(), allowed: true });
      }
    },
  );

  describe.each(workflows.map(({ block, workflow }) => [label(block), workflow] as const))(
    '%s',
    (_, workflow) => {
      const jobs = Object.entries(workflow.jobs);
      const ours = jobs.flatMap(([, job]) =>
        (job.steps ?? []).filter((step) => step.uses === USES).map((step) => ({ job, step })),
      );

      it('is a workflow: on, and jobs with runs-on and steps that each use or run something', () => {
        expect(workflow.on).toBeDefined();
        for (const [, job] of jobs) {
          expect(job['runs-on']).toBeDefined();
          for (const step of job.steps) expect(step.uses ?? step.run).toBeDefined();
        }
        expect(ours.length).toBeGreaterThan(0);
      });

      it("sets only action.yml's inputs, and all required ones", () => {
        for (const { step } of ours) {
          const given = Object.keys(step.with ?? {});
          expect(given.filter((name) => !(name in action.inputs))).toEqual([]);
          const required = inputs.filter(([, input]) => input.required).map(([name]) => name);
          expect(required.filter((name) => !given.includes(name))).toEqual([]);
        }
      });

      it('gives values the action accepts', () => {
        for (const { step } of ours) {
          expect(() =>
            readConfig(getInputFor(step), { GITHUB_WORKSPACE: '/home/runner/work/app/app' }),
          ).not.toThrow();
        }
      });

      it("reads only action.yml's outputs", () => {
        const ids = new Set(ours.map(({ step }) => step.id).filter((id) => id !== undefined));
        const text = JSON.stringify(workflow);
        for (const [, id, output] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          if (ids.has(id!)) expect(outputs).toContain(output);
        }
      });

      it('grants id-token: write where the action would use GitHub OIDC', () => {
        for (const { job, step } of ours) {
          const input = getInputFor(step);
          const hostedRunner = /^(ubuntu|windows|macos)-/.test(String(job['runs-on']));
          const otherSource =
            input('aws-access-key-id') !== '' ||
            input('web-identity-token-file') !== '' ||
            input('role-chaining') === 'true' ||
            input('force-skip-oidc') === 'true' ||
            Boolean(job.env?.AWS_ACCESS_KEY_ID ?? workflow.env?.AWS_ACCESS_KEY_ID);
          const wantsRole = input('role-to-assume') !== '' || input('profiles') !== '';
          if (wantsRole && hostedRunner && !otherSource) {
            expect(grants(job.permissions ?? workflow.permissions)).toBe(true);
          }
        }
      });
    },
  );
});

describe("README: Examples, docs/examples.md's own", () => {
  const examplesSection = section(readme, '## Examples');
  const readmeBlocks = codeBlocks(examplesSection).filter((b) => b.lang === 'yaml');
  const examplesDoc = (): string => readDocument('docs/examples.md');

  it('shows the three core examples', () => {
    const titles = headings(examplesSection)
      .filter((heading) => heading.level === 3)
      .map((heading) => heading.text);
    expect(titles).toEqual(
      expect.arrayContaining([
        'GitHub OIDC',
        'Access keys with a role',
        'A chain of roles in one step (hub and spoke)',
      ]),
    );
    expect(readmeBlocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(readmeBlocks.map((b) => [`README.md:${b.line}`, b] as const))(
    '%s is, word for word, an example of docs/examples.md',
    (_, block) => {
      const theirs = codeBlocks(examplesDoc()).map((b) => b.code);
      expect(theirs).toContain(block.code);
    },
  );

  it('links every example of docs/examples.md by its heading', () => {
    const doc = examplesDoc();
    const lines = doc.split('\n');
    const all = headings(doc);
    // An example is a heading whose own text (up to the next heading) holds a workflow.
    const examplesHeadings = all.filter((heading, index) => {
      const next = all[index + 1]?.line ?? lines.length + 1;
      const own = lines.slice(heading.line, next - 1).join('\n');
      return codeBlocks(own).some((b) => b.lang === 'yaml' && isWorkflow(parse(b.code)));
    });
    expect(examplesHeadings.length).toBeGreaterThanOrEqual(8);
    const linked = new Set(
      linkTargets(examplesSection)
        .filter((target) => target.startsWith('docs/examples.md#'))
        .map((target) => target.slice('docs/examples.md#'.length)),
    );
    const shownHere = new Set(
      headings(examplesSection)
        .filter((heading) => heading.level === 3)
        .map((heading) => heading.anchor),
    );
    expect(
      examplesHeadings
        .filter((heading) => !linked.has(heading.anchor) && !shownHere.has(heading.anchor))
        .map((heading) => heading.text),
    ).toEqual([]);
  });
});

describe("the repository's own workflows and .env.example", () => {
  const workflowFiles = readdirSync('.github/workflows').filter((file) => /\.ya?ml$/.test(file));

  it.each(workflowFiles)('.github/workflows/%s sets only action.yml inputs on uses: ./', (file) => {
    const workflow = parse(readFileSync(`.github/workflows/${file}`, 'utf8')) as Workflow;
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps.filter((s) => s.uses === './')) {
        expect(Object.keys(step.with ?? {}).filter((name) => !(name in action.inputs))).toEqual([]);
        expect(grants(job.permissions ?? workflow.permissions)).toBe(true);
      }
    }
  });

  it('.env.example names only action.yml inputs', () => {
    const names = [...readFileSync('.env.example', 'utf8').matchAll(/^#?\s*INPUT_([A-Z0-9-]+)=/gm)].map(
      ([, name]) => name!.toLowerCase(),
    );
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !(name in action.inputs))).toEqual([]);
    expect(names).toContain('aws-region');
  });
});
