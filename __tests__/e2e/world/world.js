// The whole test world: moto (seeded, auth enforced), GitHub's ID-token endpoint, a recording proxy in front of
// moto for the action's STS requests, and emulated runner jobs. Started by the tests and by `npm run demo`.
// Both servers can misbehave on demand (world.sts.injectFaults / limitRate, world.oidc.failNext); reset them
// between tests that use this (world.sts.reset(), world.oidc.reset()). Tests can add roles (world.createRole,
// with the seeded world admin's keys) and call STS themselves, not through the action (world.runAws,
// world.assumeRoleWithWebIdentity), e.g. to check that a trust policy admits or refuses real tokens.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { URLSearchParams } from 'node:url';
import { runAwsCli } from './aws-cli.js';
import { startMoto } from './moto.js';
import { newSigningKey, startOidcServer } from './oidc-server.js';
import { startRecordingProxy } from './recording-proxy.js';
import { Job } from './runner.js';
import { ACCOUNT_ID, checkAuthEnforced, REGION, SEED_REQUEST_COUNT, seedAccount } from './seed.js';
import { REPO_ROOT, requireTools } from './tools.js';

/**
 * @typedef {Omit<import('./runner.js').JobOptions, 'idToken'>
 *   & { idToken?: boolean | import('./oidc-server.js').JobClaims }} WorldJobOptions
 *   `idToken: true` gives the job `permissions: id-token: write` (the world's ID-token endpoint);
 *   `idToken: { environment: 'production' }` also runs it in that environment (its tokens say so; the other
 *   JobClaims change the tokens only: pass `event`/`actor`/`env` for the job's variables to match)
 */

/**
 * @typedef {object} StsAnswer  what STS (moto) answered a call a test made itself
 * @property {boolean} ok  HTTP 200
 * @property {number} status
 * @property {string | undefined} arn  AssumedRoleUser.Arn, when ok
 * @property {string | undefined} code  the error's Code (AccessDenied, InvalidIdentityToken, ...), when not ok
 * @property {string | undefined} message  the error's Message, when not ok
 * @property {string} body  the whole XML answer
 */

/**
 * @typedef {object} World
 * @property {string} region
 * @property {import('./seed.js').SeededAccount} account  the seeded user, keys, roles and bucket
 * @property {string} motoUrl  moto itself, for later steps' `aws --endpoint-url`
 * @property {string} stsEndpoint  the recording proxy, for the action's sts-endpoint input
 * @property {import('./recording-proxy.js').RecordingProxy} sts  the action's STS requests
 * @property {import('./oidc-server.js').OidcServer} oidc
 * @property {(options?: WorldJobOptions) => Job} newJob  a job that runs against this world
 * @property {(args: string[]) => string[]} aws  an `aws` command line against moto
 * @property {(name: string, trustPolicy: object) => Promise<string>} createRole  creates the IAM role with this
 *   trust policy (a policy document: { Version, Statement }) and no permissions, with the world admin's keys,
 *   and returns its ARN; a role of that name that exists already gets this trust policy instead (so a test may
 *   call it again with the same name). Throws, saying why, for a name IAM refuses or a policy without
 *   statements (which moto itself would take), and when the CLI fails
 * @property {(roleArn: string, token: string, sessionName?: string) => Promise<StsAnswer>}
 *   assumeRoleWithWebIdentity  the unsigned STS call straight to moto (not through the recording proxy)
 * @property {(credentials: import('./aws-cli.js').AwsCredentials, args: string[]) =>
 *   Promise<import('./aws-cli.js').AwsCliResult>} runAws  the AWS CLI against moto as this identity, outside
 *   any job (`--output json` is added), e.g. `world.runAws(world.account, ['sts', 'assume-role', ...])`
 * @property {() => Promise<void>} stop  stops everything and deletes every job's files
 */

/**
 * Starts the world; fails at once when a tool or the bundle is missing.
 * @returns {Promise<World>}
 */
export async function startWorld() {
  requireTools();
  for (const bundle of ['dist/index.js', 'dist/cleanup/index.js']) {
    if (!existsSync(path.join(REPO_ROOT, bundle)))
      throw new Error(`${bundle} is missing: run npm run package`);
  }
  /** @type {(() => Promise<void>)[]} */
  const stops = [];
  /** @type {Job[]} */
  const jobs = [];
  const stop = async () => {
    for (const job of jobs.splice(0)) job.dispose();
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };
  try {
    const { moto, account, oidc, sts } = await startServices(stops);
    return {
      region: REGION,
      account,
      motoUrl: moto.url,
      stsEndpoint: sts.url,
      sts,
      oidc,
      newJob({ idToken = false, ...options } = {}) {
        const ids = typeof idToken === 'object' ? oidc.forJob(idToken) : idToken ? oidc : undefined;
        const job = new Job({ ...options, ...(ids && { idToken: ids }) });
        jobs.push(job);
        return job;
      },
      aws: (args) => ['aws', '--endpoint-url', moto.url, ...args],
      createRole: (name, trustPolicy) => createRole(moto.url, account, name, trustPolicy),
      assumeRoleWithWebIdentity: (roleArn, token, sessionName) =>
        assumeRoleWithWebIdentity(moto.url, roleArn, token, sessionName),
      runAws: (credentials, args) => runAwsCli(moto.url, credentials, args),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The world's services: moto (seeded, with authentication enforced), the GitHub ID-token endpoint and the
 * recording STS proxy in front of moto; each one's stop is pushed onto `stops` as soon as it runs. The e2e world
 * and `npm run local-action`'s world (scripts/local-action/world.js) are both made of these.
 * @param {(() => Promise<void>)[]} stops
 */
export async function startServices(stops) {
  const key = await newSigningKey();
  const moto = await startMoto({ initialNoAuthActionCount: SEED_REQUEST_COUNT, oidcJwks: key.jwks });
  stops.push(moto.stop);
  const account = await seedAccount(moto.url);
  await checkAuthEnforced(moto.url);
  const oidc = await startOidcServer(key);
  stops.push(oidc.stop);
  const sts = await startRecordingProxy(moto.url);
  stops.push(sts.stop);
  return { moto, account, oidc, sts };
}

/**
 * @param {string} motoUrl
 * @param {import('./seed.js').SeededAccount} account
 * @param {string} name
 * @param {object} trustPolicy
 * @returns {Promise<string>} the role's ARN
 */
async function createRole(motoUrl, account, name, trustPolicy) {
  // What IAM refuses and moto's CreateRole lets through.
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) {
    throw new Error(`Could not create role ${name}: IAM role names are 1 to 64 of [A-Za-z0-9_+=,.@-]`);
  }
  const statements = /** @type {{ Statement?: unknown }} */ (trustPolicy).Statement;
  if (statements === undefined || (Array.isArray(statements) && statements.length === 0)) {
    throw new Error(
      `Could not create role ${name}: MalformedPolicyDocument, the trust policy has no Statement`,
    );
  }
  const admin = { accessKeyId: account.adminAccessKeyId, secretAccessKey: account.adminSecretAccessKey };
  const document = JSON.stringify(trustPolicy);
  const created = await runAwsCli(motoUrl, admin, [
    ...['iam', 'create-role', '--role-name', name],
    ...['--assume-role-policy-document', document],
  ]);
  if (created.exitCode === 0) return JSON.parse(created.stdout).Role.Arn;
  if (created.stderr.includes('EntityAlreadyExists')) {
    const updated = await runAwsCli(motoUrl, admin, [
      ...['iam', 'update-assume-role-policy', '--role-name', name],
      ...['--policy-document', document],
    ]);
    if (updated.exitCode === 0) return `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
    throw new Error(`Could not replace the trust policy of role ${name}:\n${updated.stderr.trim()}`);
  }
  throw new Error(`Could not create role ${name}:\n${created.stderr.trim()}`);
}

/**
 * @param {string} motoUrl
 * @param {string} roleArn
 * @param {string} token
 * @param {string} [sessionName]
 * @returns {Promise<StsAnswer>}
 */
async function assumeRoleWithWebIdentity(motoUrl, roleArn, token, sessionName = 'world-check') {
  const response = await globalThis.fetch(`${motoUrl}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: roleArn,
      RoleSessionName: sessionName,
      WebIdentityToken: token,
    }).toString(),
    signal: globalThis.AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  const tag = (/** @type {string} */ name) => {
    const text = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
    const entities = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    return text?.replace(/&(amp|lt|gt|quot|apos);/g, (_, entity) => entities[entity]);
  };
  return response.ok
    ? { ok: true, status: response.status, arn: tag('Arn'), code: undefined, message: undefined, body }
    : {
        ok: false,
        status: response.status,
        arn: undefined,
        code: tag('Code'),
        message: tag('Message'),
        body,
      };
}
