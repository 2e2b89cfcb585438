import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../inputs/config.js';
import { credentialProcess } from './platform.js';

// refresh-credentials: instead of fixed keys, later steps get an AWS config file whose profile runs
// dist/refresh/index.js as its credential_process, so every SDK and the CLI get new credentials by themselves
// when the old ones near their end. The file holds no secret: only what is needed to ask again. The process keeps
// the credentials it got in the same folder (src/refresh/cache.ts), which the post step removes with the file.

/** Everything the refresh process needs to assume the role again; nothing in it is secret. */
export interface RefreshParams {
  readonly source: 'github-oidc' | 'token-file';
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly audience: string;
  readonly region: string;
  readonly stsEndpoint: string | undefined;
  readonly httpProxy: string | undefined;
  readonly noProxy: readonly string[];
  readonly tokenFile: string | undefined;
  readonly policy: string | undefined;
  readonly policyArns: readonly string[];
  readonly maxAttempts: number;
  /** The roles after the first (a chain, a profile's role), each assumed with the session before it. */
  readonly hops?: readonly RefreshHop[];
}

/** One AssumeRole of the refresh's path; nothing in it is secret. */
export interface RefreshHop {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly externalId?: string | undefined;
  readonly sourceIdentity?: string | undefined;
  readonly tags?:
    readonly { readonly Key?: string | undefined; readonly Value?: string | undefined }[] | undefined;
  readonly transitiveTagKeys?: readonly string[] | undefined;
  readonly policy?: string | undefined;
  readonly policyArns?: readonly string[] | undefined;
}

/** A profile of the refresh config and how it gets its credentials. */
export interface RefreshEntry {
  /** undefined: [default]. */
  readonly profile: string | undefined;
  readonly params: RefreshParams;
}

/** The refresh parameters for a role assumed from a web identity source. */
export function refreshParams(
  config: Config,
  source: RefreshParams['source'],
  roleArn: string,
): RefreshParams {
  return {
    source,
    roleArn,
    sessionName: config.roleSessionName,
    durationSeconds: config.roleDurationSeconds,
    audience: config.audience,
    region: config.region,
    stsEndpoint: config.stsEndpoint,
    // A proxy from HTTPS_PROXY/HTTP_PROXY reaches the refresh process through its own environment.
    httpProxy: config.inputVariables['http-proxy'] === undefined ? config.httpProxy : undefined,
    noProxy: config.noProxy,
    tokenFile: config.webIdentityTokenFile,
    policy: config.inlineSessionPolicy,
    policyArns: config.managedSessionPolicies,
    maxAttempts: config.disableRetry ? 1 : config.retryMaxAttempts,
  };
}

/** The parameters as one shell-safe argument (base64url JSON): no quoting rules to get wrong. */
export function encodeParams(params: RefreshParams): string {
  return Buffer.from(JSON.stringify(params)).toString('base64url');
}

/** Reads the argument encodeParams made; throws on anything else. */
export function decodeParams(arg: string | undefined): RefreshParams {
  if (!arg || !/^[\w-]+$/.test(arg)) throw new Error('expected one argument: the encoded refresh parameters');
  const params = JSON.parse(Buffer.from(arg, 'base64url').toString('utf8')) as RefreshParams;
  if (
    typeof params.roleArn !== 'string' ||
    (params.source !== 'github-oidc' && params.source !== 'token-file') ||
    (params.hops !== undefined &&
      (!Array.isArray(params.hops) || params.hops.some((hop) => typeof hop?.roleArn !== 'string')))
  ) {
    throw new Error('the refresh parameters are not what the action writes');
  }
  return params;
}

/** Where the action keeps files for later steps: a new 0700 folder RUNNER_TEMP/assume-aws-role-<uuid>. */
export function newActionFolder(runnerTemp: string): string {
  const dir = path.join(runnerTemp, `assume-aws-role-${randomUUID()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Writes the AWS config file (mode 0600, in a new action folder under RUNNER_TEMP) with one profile per entry,
 * each with a credential_process that runs the refresh script under this same Node. Returns the file's path.
 */
export function writeRefreshConfig(
  entries: readonly RefreshEntry[],
  { runnerTemp, node, script }: { runnerTemp: string; node: string; script: string },
  platform: NodeJS.Platform = process.platform,
): string {
  const dir = newActionFolder(runnerTemp);
  const file = path.join(dir, 'config');
  const sections = entries.flatMap(({ profile, params }, i) => {
    const header = profile === undefined || profile === 'default' ? 'default' : `profile ${profile}`;
    // One shim per profile on Windows, each in its own folder of this one.
    const shimDir = entries.length === 1 ? dir : path.join(dir, String(i + 1));
    if (shimDir !== dir) mkdirSync(shimDir, { mode: 0o700 });
    const command = credentialProcess({ node, script, args: [encodeParams(params)], dir: shimDir }, platform);
    return [`[${header}]`, `region = ${params.region}`, `credential_process = ${command.line}`, ''];
  });
  const text = [
    '# Written by the assume-AWS-role action for this job (refresh-credentials); removed by its post step.',
    ...sections,
  ].join('\n');
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  return file;
}
