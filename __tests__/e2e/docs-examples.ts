// The workflow examples of the documentation, as docs-examples.test.ts runs them: collected from the Markdown
// (every fenced YAML block that is a workflow), and what has to change for them to run in the e2e world — the
// account ids and role names, the secrets, the expressions, a token file's path. Nothing else of an example is
// changed: its inputs go to the action as written.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { codeBlocks } from '../unit/fixtures/markdown.js';
import { REPO_ROOT } from './world/tools.js';

/** The placeholder every example writes for this action. */
export const USES = 'OWNER/REPO@v1';

/** The documents whose workflows the test runs, relative to the repository. */
export const DOCUMENTS = ['docs/examples.md', 'README.md'] as const;

export interface WorkflowStep {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
}

type Permissions = string | Readonly<Record<string, string>>;

export interface WorkflowJob {
  readonly 'runs-on': string | readonly string[];
  readonly permissions?: Permissions;
  readonly environment?: string | { readonly name: string };
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly WorkflowStep[];
}

export interface Workflow {
  readonly permissions?: Permissions;
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, WorkflowJob>>;
}

/** One workflow of the documentation; the same text in several places is one example, run once. */
export interface DocExample {
  /** Where it is first, like `docs/examples.md:33 (GitHub OIDC)`, and where else the same text is. */
  readonly label: string;
  readonly doc: string;
  readonly line: number;
  /** The heading the block is under. */
  readonly heading: string;
  readonly code: string;
  readonly workflow: Workflow;
}

/** The `###` headings of a document (outside code blocks). */
export function subHeadings(markdown: string): string[] {
  const prose = markdown.replace(/^( *)```[\s\S]*?^\1```$/gm, '');
  return [...prose.matchAll(/^### +(.+?) *$/gm)].map(([, text = '']) => text);
}

/** Every workflow block (YAML with `jobs:`) of these documents, in order, identical texts once. */
export function docExamples(documents: readonly string[] = DOCUMENTS): DocExample[] {
  const found = new Map<string, { first: Omit<DocExample, 'label'>; elsewhere: string[] }>();
  for (const doc of documents) {
    const markdown = readFileSync(path.join(REPO_ROOT, doc), 'utf8');
    const lines = markdown.split('\n');
    for (const block of codeBlocks(markdown)) {
      if (block.lang !== 'yaml' && block.lang !== 'yml') continue;
      // As the runner reads a workflow: every value is text (`allowed-account-ids: 012345678901` stays so).
      const workflow = parse(block.code, { schema: 'failsafe' }) as unknown;
      if (typeof workflow !== 'object' || workflow === null || !('jobs' in workflow)) continue;
      const heading =
        lines
          .slice(0, block.line - 1)
          .reverse()
          .find((line) => /^#{1,6} /.test(line))
          ?.replace(/^#+ +/, '') ?? doc;
      const seen = found.get(block.code);
      if (seen !== undefined) seen.elsewhere.push(`${doc}:${block.line}`);
      else
        found.set(block.code, {
          first: { doc, line: block.line, heading, code: block.code, workflow: workflow as Workflow },
          elsewhere: [],
        });
    }
  }
  return [...found.values()].map(({ first, elsewhere }) => ({
    ...first,
    label: `${first.doc}:${first.line} (${first.heading})${elsewhere.length > 0 ? `, also ${elsewhere.join(', ')}` : ''}`,
  }));
}

/** A role ARN anywhere in a value: its account and (after any path) its name. */
const ROLE_ARN = /\barn:aws(?:-cn|-us-gov)?:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)/g;

/**
 * The world's stand-in for an example's role: one role per account and name of the example, all in the world's
 * account (IAM names are at most 64 characters: `docs-` and the account leave 46 for the name).
 */
export function standInName(account: string, name: string): string {
  const standIn = `docs-${account}-${name}`;
  if (standIn.length > 64) throw new Error(`role name ${name} is too long for its stand-in ${standIn}`);
  return standIn;
}

/** The value with every role ARN replaced by its stand-in's ARN in `worldAccount`. */
export function mapRoleArns(value: string, worldAccount: string): string {
  return value.replace(
    ROLE_ARN,
    (_, account: string, name: string) => `arn:aws:iam::${worldAccount}:role/${standInName(account, name)}`,
  );
}

/** The stand-in names of the role ARNs in a value. */
export function standInsIn(value: string): string[] {
  return [...value.matchAll(ROLE_ARN)].map(([, account = '', name = '']) => standInName(account, name));
}

/** The roles of an input like role-to-assume or profiles: one a line, after `NAME:` for profiles. */
export interface RoleLine {
  readonly profile: string | undefined;
  readonly role: string;
  readonly externalId: string | undefined;
  readonly sessionName: string | undefined;
}

/** The lines of role-to-assume (a chain) or profiles, as the action reads them; blank and `#` lines skipped. */
export function roleLines(value: string | undefined, { profiles = false } = {}): RoleLine[] {
  return (value ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = profiles ? /^([^:\s]+):\s*(.*)$/.exec(line) : [line, undefined, line];
      if (!match) throw new Error(`not a profiles line: ${line}`);
      const [role = '', ...settings] = (match[2] ?? '').split(/\s+/);
      const setting = (key: string) =>
        settings.find((word) => word.startsWith(`${key}=`))?.slice(key.length + 1);
      return {
        profile: match[1],
        role,
        externalId: setting('external-id'),
        sessionName: setting('session-name'),
      };
    });
}

/** The values expressions take in the world: `github.*` from the emulated run, `secrets.*` the world's keys. */
export interface ExpressionContext {
  readonly github: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly steps: Readonly<Record<string, { readonly outputs: Readonly<Record<string, string>> }>>;
}

/**
 * The text with every `${{ a.b.c }}` replaced by its value; an expression the world has no value for fails
 * the test, naming it (add it to the context rather than let an example run with an empty value).
 */
export function evaluate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (expression, inner: string) => {
    const [scope = '', ...rest] = inner.split('.');
    const value =
      scope === 'github' && rest.length === 1
        ? context.github[rest[0] ?? '']
        : scope === 'secrets' && rest.length === 1
          ? context.secrets[rest[0] ?? '']
          : scope === 'steps' && rest.length === 3 && rest[1] === 'outputs'
            ? context.steps[rest[0] ?? '']?.outputs[rest[2] ?? '']
            : undefined;
    if (value === undefined) throw new Error(`the test world has no value for ${expression}`);
    return value;
  });
}

/** The step id an expression like `${{ steps.aws.outputs.aws-access-key-id }}` reads, if it is one. */
export function outputsOf(text: string): string | undefined {
  return /\$\{\{\s*steps\.([\w-]+)\.outputs\.[\w-]+\s*\}\}/.exec(text)?.[1];
}

/** An input's boolean as the action reads it. */
export const isTrue = (value: string | undefined): boolean => /^(true|True|TRUE)$/.test(value ?? '');

/** Whether a job's (or its workflow's) permissions let it request a GitHub OIDC token. */
export function grantsIdToken(permissions: Permissions | undefined): boolean {
  return (
    permissions === 'write-all' || (typeof permissions === 'object' && permissions['id-token'] === 'write')
  );
}

/** The `aws … sts get-caller-identity` lines of a `run:` script, `#` comments left out. */
export function callerIdentityLines(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => /^aws\s(.*\s)?sts\s+get-caller-identity\b/.test(line));
}
