import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Credentials the job already has are resolved by the AWS SDK's default chain (environment, shared files,
// web-identity file, container and instance metadata). This module only tells whether any are likely there.

const ENV_HINTS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/** Where the job seems to have credentials already: variable names and shared files that exist. */
export function existingCredentialHints(env: NodeJS.ProcessEnv): string[] {
  const hints = ENV_HINTS.filter((name) => (env[name] ?? '') !== '');
  const home = env.HOME ?? os.homedir();
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
    env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
  ];
  return [...hints, ...files.filter((file) => existsSync(file))];
}

/** True on GitHub-hosted runners, which have no instance credentials the SDK could find. */
export function isGitHubHosted(env: NodeJS.ProcessEnv): boolean {
  return env.RUNNER_ENVIRONMENT === 'github-hosted';
}
