import type { GetInput } from './config.js';

// configure-aws-credentials (since v4.2.0) reads these environment variables as inputs when the input itself is
// empty, so `env: { AWS_REGION: eu-west-1 }` at job level stands in for `aws-region:`. Same list, same precedence:
// a non-empty input wins; for http-proxy, HTTPS_PROXY wins over HTTP_PROXY. A variable is only ever a stand-in
// for an empty input, and its value goes through the same checks as the input's.

/** Each input that a variable can stand in for, and the variables, first non-empty one winning. */
export const INPUT_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  'aws-region': ['AWS_REGION'],
  'role-to-assume': ['ROLE_TO_ASSUME'],
  'web-identity-token-file': ['WEB_IDENTITY_TOKEN_FILE'],
  'role-chaining': ['ROLE_CHAINING'],
  audience: ['AUDIENCE'],
  'http-proxy': ['HTTPS_PROXY', 'HTTP_PROXY'],
  'mask-aws-account-id': ['MASK_AWS_ACCOUNT_ID'],
  'role-duration-seconds': ['ROLE_DURATION_SECONDS'],
  'role-external-id': ['ROLE_EXTERNAL_ID'],
  'role-session-name': ['ROLE_SESSION_NAME'],
  'role-skip-session-tagging': ['ROLE_SKIP_SESSION_TAGGING'],
  'transitive-tag-keys': ['TRANSITIVE_TAG_KEYS'],
  'inline-session-policy': ['INLINE_SESSION_POLICY'],
  'managed-session-policies': ['MANAGED_SESSION_POLICIES'],
  'output-credentials': ['OUTPUT_CREDENTIALS'],
  'unset-current-credentials': ['UNSET_CURRENT_CREDENTIALS'],
  'disable-retry': ['DISABLE_RETRY'],
  'retry-max-attempts': ['RETRY_MAX_ATTEMPTS'],
  'special-characters-workaround': ['SPECIAL_CHARACTERS_WORKAROUND'],
  'use-existing-credentials': ['USE_EXISTING_CREDENTIALS'],
  'no-proxy': ['NO_PROXY'],
  'overwrite-aws-profile': ['OVERWRITE_AWS_PROFILE'],
};

/** The inputs with their stand-ins applied, and which input came from which variable. */
export interface ResolvedInputs {
  readonly getInput: GetInput;
  /** Input name → the variable its value came from; only inputs that were empty and had a stand-in. */
  readonly fromVariables: Readonly<Record<string, string>>;
}

/** Applies the stand-ins once: every later read of an input sees the same value. */
export function withInputVariables(getInput: GetInput, env: NodeJS.ProcessEnv): ResolvedInputs {
  const fromVariables: Record<string, string> = {};
  const standIns = new Map<string, string>();
  for (const [input, variables] of Object.entries(INPUT_VARIABLES)) {
    if (getInput(input) !== '') continue;
    const variable = variables.find((name) => (env[name] ?? '').trim() !== '');
    if (variable === undefined) continue;
    fromVariables[input] = variable;
    standIns.set(input, (env[variable] as string).trim());
  }
  return { getInput: (name) => standIns.get(name) ?? getInput(name), fromVariables };
}

/** One log line naming each input that came from a variable (names only: values go through the checks). */
export function describeInputVariables(fromVariables: Readonly<Record<string, string>>): string | undefined {
  const pairs = Object.entries(fromVariables);
  if (pairs.length === 0) return undefined;
  return `Inputs taken from environment variables, because the inputs were not set: ${pairs
    .map(([input, variable]) => `${input} from ${variable}`)
    .join(', ')}`;
}
