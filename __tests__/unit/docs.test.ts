// The documentation against the action: the README's Inputs and Outputs tables list exactly what action.yml
// declares, with the same defaults; every input's description says its default and what it accepts; and
// every workflow example parses, uses the one placeholder, sets only real inputs with values the action accepts,
// and grants id-token: write where it relies on GitHub OIDC.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readConfig } from '../../src/inputs/config.js';
import { codeBlocks, plain, section, tableRows, type CodeBlock } from './fixtures/markdown.js';

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

/** The placeholder every example writes for this action. */
const USES = 'OWNER/REPO@v1';

/** Documents whose examples a user copies: the README and the examples' READMEs. */
const DOCUMENTS = [
  'README.md',
  'examples/cloudformation/README.md',
  'examples/terraform/github-oidc-role/README.md',
] as const;

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

describe('README: Inputs', () => {
  const rows = tableRows(section(readme, '## Inputs'));
  const row = (name: string): string[] => {
    const found = rows.find((cells) => unquote(cells[0]!) === name);
    if (!found) throw new Error(`README's Inputs table has no row for ${name}`);
    return found;
  };

  it("lists exactly action.yml's inputs, in the same order", () => {
    expect(rows.map((cells) => unquote(cells[0]!))).toEqual(Object.keys(action.inputs));
  });

  it.each(inputs)('%s: the Default column matches action.yml', (name, input) => {
    const cell = plain(row(name)[1]!);
    if (input.required) expect(cell).toBe('required');
    else if (input.default !== undefined) expect(cell).toBe(String(input.default));
    // No default in action.yml: the computed default, the same words as the description's.
    else expect(cell).toBe(stated(name).default);
  });

  it.each(inputs)('%s: the Accepted values column says what it accepts', (name) => {
    const cell = row(name)[2]!;
    expect(cell.length).toBeGreaterThan(0);
    if (stated(name).accepts === 'true or false') expect(cell).toMatch(/^Boolean\./);
  });
});

describe('README: Outputs', () => {
  it("lists exactly action.yml's outputs, in the same order", () => {
    const rows = tableRows(section(readme, '## Outputs'));
    expect(rows.map((cells) => unquote(cells[0]!))).toEqual(Object.keys(action.outputs));
  });
});

describe('README: Switching from aws-actions/configure-aws-credentials', () => {
  // The differences the side-by-side suite asserts (one table), and the ids the migration section names.
  const table = readFileSync('__tests__/e2e/sameness-differences.ts', 'utf8');
  const tested = [...table.matchAll(/^ {2}'([\w-]+)': \{$/gm)].map((match) => match[1]);
  // Each difference is named in brackets after the sentence about it: [`one-id`] or [`one`, `two`].
  const documented = [
    ...section(readme, '## Switching from aws-actions/configure-aws-credentials').matchAll(
      /\[(`[\w-]+`(?:, `[\w-]+`)*)\]/g,
    ),
  ].flatMap((match) => [...(match[1] ?? '').matchAll(/`([\w-]+)`/g)].map((id) => id[1]));

  it('names exactly the differences the sameness suite shows, each once', () => {
    expect(tested.length).toBeGreaterThan(20);
    expect([...new Set(documented)].sort()).toEqual([...tested].sort());
  });
});

describe('README: Quick start', () => {
  it('fits the workflow and the AWS setup in under 20 lines', () => {
    // What a user copies: the setup commands and the workflow (not the sample log).
    const blocks = codeBlocks(section(readme, '## Quick start')).filter(
      (b) => b.lang === 'yaml' || b.lang === 'sh',
    );
    expect(blocks.map((b) => b.lang).sort()).toEqual(['sh', 'yaml']);
    const lines = blocks.flatMap((b) => b.code.split('\n')).filter((line) => line.trim() !== '');
    expect(lines.length).toBeLessThan(20);
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

const examples: (CodeBlock & { doc: string })[] = DOCUMENTS.flatMap((doc) =>
  codeBlocks(readFileSync(doc, 'utf8')).map((block) => ({ ...block, doc })),
);
const label = (block: { doc: string; line: number }): string => `${block.doc}:${block.line}`;
const yamlBlocks = examples.filter((b) => b.lang === 'yaml' || b.lang === 'yml');
const workflows = yamlBlocks
  .map((block) => ({ block, workflow: parse(block.code) as Workflow }))
  .filter(({ workflow }) => typeof workflow === 'object' && workflow !== null && 'jobs' in workflow);

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

describe('examples in the README and examples/', () => {
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
          if (ids.has(id!)) expect(Object.keys(action.outputs)).toContain(output);
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
          if (input('role-to-assume') !== '' && hostedRunner && !otherSource) {
            expect(grants(job.permissions ?? workflow.permissions)).toBe(true);
          }
        }
      });
    },
  );
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
