import type { UserAgent } from '@smithy/types';

// CloudTrail records each STS call's User-Agent: these tokens say which action, run and attempt made it, the way
// configure-aws-credentials does under its own name. A value that is not what the runner sets is left out (with a
// warning from the main step), so nothing from the environment is written into a header unchecked.

/** This action's product token, first in the User-Agent of its STS calls. */
export const USER_AGENT_NAME = 'assume-aws-role-action';

const RUN_FIELDS: ReadonlyArray<{ variable: string; label: string; pattern: RegExp }> = [
  { variable: 'GITHUB_ACTION', label: 'action', pattern: /^[A-Za-z0-9_-]{1,128}$/ },
  { variable: 'GITHUB_RUN_ID', label: 'run_id', pattern: /^\d{1,20}$/ },
  { variable: 'GITHUB_RUN_ATTEMPT', label: 'attempt', pattern: /^\d{1,10}$/ },
];

/** The User-Agent tokens for this run, and a warning for each run variable left out because it is malformed. */
export function runUserAgent(env: NodeJS.ProcessEnv): { tokens: UserAgent; warnings: string[] } {
  const tokens: UserAgent = [[USER_AGENT_NAME]];
  const warnings: string[] = [];
  for (const { variable, label, pattern } of RUN_FIELDS) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    if (pattern.test(value)) tokens.push(['md', `${label}#${value}`]);
    else
      warnings.push(
        `${variable} is not what the runner sets (${pattern.source}): left out of the User-Agent`,
      );
  }
  return { tokens, warnings };
}

/**
 * The AWS_SDK_UA_APP_ID later steps get, so their calls carry the run in CloudTrail too (`app/gha-<run>-<attempt>`
 * in the SDKs' and the CLI's User-Agent); undefined when the run id or attempt is missing or malformed.
 */
export function runAppId(env: NodeJS.ProcessEnv): string | undefined {
  const runId = env.GITHUB_RUN_ID ?? '';
  const attempt = env.GITHUB_RUN_ATTEMPT ?? '';
  return /^\d{1,20}$/.test(runId) && /^\d{1,10}$/.test(attempt) ? `gha-${runId}-${attempt}` : undefined;
}

/** The SDK adds `exec-env/<AWS_EXECUTION_ENV>` to the User-Agent: name GitHub Actions unless something else is set. */
export function identifyExecutionEnv(env: NodeJS.ProcessEnv): void {
  if (!env.AWS_EXECUTION_ENV) env.AWS_EXECUTION_ENV = 'GitHubActions';
}
