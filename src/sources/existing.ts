import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AwsCredentials, Signer } from '../sts/client.js';

// Credentials the job already has: keys in the environment first, as the AWS CLI and boto3 take them even when
// AWS_PROFILE is set (the JS SDK's default chain would take the profile, so a role chained from an earlier step
// would start from an older profile instead of that step's session); otherwise the AWS SDK's default chain
// (shared files, web-identity file, container and instance metadata).

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

/**
 * What signs with the job's own credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when set (masked, whoever
 * set them, since the action now holds them), else the default chain.
 */
export function existingSigner(env: NodeJS.ProcessEnv, mask: (secret: string) => void): Signer {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) return 'default-chain';
  mask(AWS_SECRET_ACCESS_KEY);
  if (AWS_SESSION_TOKEN) mask(AWS_SESSION_TOKEN);
  const keys: AwsCredentials = {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    sessionToken: AWS_SESSION_TOKEN || undefined,
    expiration: undefined,
  };
  return keys;
}
