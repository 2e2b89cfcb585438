import { InputError } from '../errors.js';
import { parsePattern, shown, singleLine } from './parsers.js';
import { SESSION_NAME, SESSION_NAME_RULE } from './plan-lines.js';

// What the sessions are called and who they say started them: role-session-name or role-session-name-template
// (a name built from the run's facts, made to fit STS's rules), and role-source-identity.

/** The placeholders of role-session-name-template, each read from the run's environment ('' when unset). */
const PLACEHOLDERS: Readonly<Record<string, (env: NodeJS.ProcessEnv) => string>> = {
  run_id: (env) => env.GITHUB_RUN_ID ?? '',
  run_attempt: (env) => env.GITHUB_RUN_ATTEMPT ?? '',
  run_number: (env) => env.GITHUB_RUN_NUMBER ?? '',
  job: (env) => env.GITHUB_JOB ?? '',
  workflow: (env) => env.GITHUB_WORKFLOW ?? '',
  repository: (env) => env.GITHUB_REPOSITORY ?? '',
  repository_name: (env) => (env.GITHUB_REPOSITORY ?? '').replace(/^[^/]*\//, ''),
  actor: (env) => env.GITHUB_ACTOR ?? '',
  sha: (env) => (env.GITHUB_SHA ?? '').slice(0, 7),
  ref_name: (env) => env.GITHUB_REF_NAME ?? '',
};
export const TEMPLATE_PLACEHOLDERS: readonly string[] = Object.keys(PLACEHOLDERS).map((name) => `{${name}}`);

/** The session name every role gets unless its line sets session-name=, and the log line saying where it came from. */
export interface SessionName {
  readonly name: string;
  /** Set when the name came from role-session-name-template. */
  readonly note: string | undefined;
}

/** The base session name: from role-session-name-template, else role-session-name, else GitHubActions. */
export function readSessionName(
  sessionNameInput: string,
  templateInput: string,
  env: NodeJS.ProcessEnv,
  inputVariables: Readonly<Record<string, string>>,
): SessionName {
  const template = singleLine('role-session-name-template', templateInput);
  if (template === '') {
    const name = sessionNameInput || 'GitHubActions';
    return {
      name: parsePattern('role-session-name', name, SESSION_NAME, SESSION_NAME_RULE),
      note: undefined,
    };
  }
  if (sessionNameInput !== '') {
    const variable = inputVariables['role-session-name'];
    throw new InputError(
      'role-session-name-template',
      `role-session-name-template and role-session-name both set the session name${variable === undefined ? '' : ` (role-session-name from the ${variable} variable)`}: set only one of them`,
    );
  }
  const empty: string[] = [];
  const filled = template.replace(/\{([^{}]*)\}/g, (placeholder, name: string) => {
    const read = Object.hasOwn(PLACEHOLDERS, name) ? PLACEHOLDERS[name] : undefined;
    if (read === undefined) {
      throw new InputError(
        'role-session-name-template',
        `role-session-name-template has an unknown placeholder ${shown(placeholder)}: the known ones are ${TEMPLATE_PLACEHOLDERS.join(', ')}`,
      );
    }
    const value = read(env);
    if (value === '' && !empty.includes(placeholder)) empty.push(placeholder);
    return value;
  });
  const name = fitSessionName(filled);
  if (name.length < 2) {
    throw new InputError(
      'role-session-name-template',
      `role-session-name-template ${shown(template)} makes the session name ${shown(name)}, but a session name needs at least 2 characters${empty.length > 0 ? ` (empty in this run: ${empty.join(', ')})` : ''}`,
    );
  }
  const fitted = name === filled ? '' : ", made to fit STS's rules";
  return {
    name,
    note: `Session name ${name} (from role-session-name-template ${shown(template)}${fitted})`,
  };
}

/** STS's rules for a session name: `-` for every other character, no runs of `-`, at most 64 characters. */
export function fitSessionName(raw: string): string {
  return raw
    .replace(/[^\w+=,.@-]/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, 64);
}

/** role-source-identity: STS's SourceIdentity, 2 to 64 characters, not starting with aws: (AWS's own prefix). */
export function readSourceIdentity(raw: string): string | undefined {
  const name = 'role-source-identity';
  if (raw === '') return undefined;
  singleLine(name, raw);
  if (/^aws:/i.test(raw))
    throw new InputError(name, `${name} must not start with "aws:", which AWS reserves, got ${shown(raw)}`);
  return parsePattern(name, raw, SESSION_NAME, `${SESSION_NAME_RULE}, not starting with aws:`);
}
