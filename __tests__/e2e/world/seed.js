// The AWS account the tests run against, created in moto through its API while moto still lets requests pass
// unchecked (INITIAL_NO_AUTH_ACTION_COUNT = the number of seed requests). Afterwards every request is checked,
// and checkAuthEnforced proves it; roles made later (world.createRole) are made with the world admin's keys.
import { URLSearchParams } from 'node:url';
import { ENTERPRISE, GITHUB_ISSUER, GITHUB_RUN, IMMUTABLE_SUBJECT } from './github-run.js';

/** moto's default account. */
export const ACCOUNT_ID = '123456789012';
/**
 * A second account, the spokes' (hub and spoke across accounts, as organisations set it up). moto keeps one
 * backend per account: a seed request goes to this one by its x-moto-account-id header, a signed request to the
 * account its access key belongs to; moto_launcher.py adds the trust check moto skips for a role in another
 * account than the caller's.
 */
export const SPOKE_ACCOUNT_ID = '210987654321';
/** The region everything runs in. */
export const REGION = 'us-east-1';
/** A custom OIDC audience the provider and the deploy role accept besides sts.amazonaws.com. */
export const CUSTOM_AUDIENCE = `https://github.com/${GITHUB_RUN.owner}`;

const iam = (resource, account = ACCOUNT_ID) => `arn:aws:iam::${account}:${resource}`;
const spoke = (name) => iam(`role/${name}`, SPOKE_ACCOUNT_ID);
const USER = 'ci-deployer';
const ADMIN = 'world-admin';
const BUCKET = 'deploy-artifacts';
const OBJECT = 'release/app.zip';

/** The names and ARNs the seed creates (the user's keys come back from seedAccount). */
export const SEED = Object.freeze({
  accountId: ACCOUNT_ID,
  userName: USER,
  userArn: iam(`user/${USER}`),
  /** Trusts the user (AssumeRole) and GitHub OIDC for this repository; may use the bucket and chain on. */
  deployRole: iam('role/deploy'),
  /** Trusts sessions of deploy: the second role of a chain. */
  chainedRole: iam('role/deploy-audit'),
  /** Trusts GitHub OIDC only for jobs of the main branch (no environment): OIDC_TRUST.mainBranch. */
  mainBranchRole: iam('role/deploy-main'),
  /** Trusts GitHub OIDC only for jobs in the environment production: OIDC_TRUST.production. */
  productionRole: iam('role/deploy-production'),
  /** Trusts GitHub OIDC only for the immutable sub of the main branch: OIDC_TRUST.immutableMainBranch. */
  immutableRole: iam('role/deploy-immutable'),
  /**
   * Trusts only the enterprise issuer's tokens (its own IAM OIDC provider), for the main branch:
   * OIDC_TRUST.enterpriseMainBranch.
   */
  enterpriseRole: iam('role/deploy-enterprise'),
  /**
   * Trusts the user for sts:AssumeRole but not sts:TagSession (the user's policy allows both on it): AssumeRole
   * with session tags is refused by the trust policy alone.
   */
  untaggedRole: iam('role/deploy-untagged'),
  /**
   * Hub and spokes. The hub (this account) trusts GitHub OIDC for this repository and the user (sts:AssumeRole,
   * sts:TagSession, sts:SetSourceIdentity), and may assume the spokes (those three actions on role/spoke-*).
   */
  hubRole: iam('role/hub'),
  spokeAccountId: SPOKE_ACCOUNT_ID,
  /** In SPOKE_ACCOUNT_ID: trusts sessions of hub (HUB_SESSION_NAMES); may list buckets. */
  spokeA: spoke('spoke-a'),
  /** In SPOKE_ACCOUNT_ID: trusts sessions of hub that give the external id SPOKE_B_EXTERNAL_ID; may list buckets. */
  spokeB: spoke('spoke-b'),
  /** In SPOKE_ACCOUNT_ID: trusts GitHub OIDC for this repository (the spoke account's own provider); may list buckets. */
  spokeOidc: spoke('spoke-oidc'),
  /**
   * In SPOKE_ACCOUNT_ID: trusts only its own account (its root), and no identity of the tests is of it. The hub's
   * policy lets its sessions ask (role/spoke-*), so an AssumeRole into it is refused by its trust policy alone.
   */
  spokeClosed: spoke('spoke-closed'),
  oidcProvider: iam(`oidc-provider/${GITHUB_ISSUER.replace('https://', '')}`),
  /** The IAM OIDC provider for GitHub's issuer in the spoke account. */
  spokeOidcProvider: iam(`oidc-provider/${GITHUB_ISSUER.replace('https://', '')}`, SPOKE_ACCOUNT_ID),
  /** The IAM OIDC provider of the enterprise's own issuer, ENTERPRISE.issuer. */
  enterpriseOidcProvider: iam(`oidc-provider/${ENTERPRISE.issuer.replace('https://', '')}`),
  /** A user allowed iam:* (its keys come back from seedAccount as adminAccessKeyId/adminSecretAccessKey). */
  adminUserName: ADMIN,
  adminUserArn: iam(`user/${ADMIN}`),
  bucket: BUCKET,
  object: OBJECT,
});

const document = (statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const oidcHost = GITHUB_ISSUER.replace('https://', '');
const enterpriseHost = ENTERPRISE.issuer.replace('https://', '');

/** GitHub OIDC for any job of this repository, with either audience. */
const REPOSITORY_OIDC = {
  Effect: 'Allow',
  Principal: { Federated: SEED.oidcProvider },
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: {
    StringEquals: { [`${oidcHost}:aud`]: ['sts.amazonaws.com', CUSTOM_AUDIENCE] },
    StringLike: { [`${oidcHost}:sub`]: `repo:${GITHUB_RUN.repository}:*` },
  },
};

const TRUST_DEPLOY = document([
  { Effect: 'Allow', Principal: { AWS: SEED.userArn }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
  REPOSITORY_OIDC,
]);

/**
 * A trust policy statement that admits GitHub OIDC tokens with exactly this aud and sub, written the way the
 * action's diagnosis suggests one.
 * @param {string} sub
 * @param {{ provider: string, host: string }} [issuer]  the IAM OIDC provider and its condition key prefix
 */
const oidcStatement = (sub, { provider, host } = { provider: SEED.oidcProvider, host: oidcHost }) => ({
  Effect: 'Allow',
  Principal: { Federated: provider },
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com', [`${host}:sub`]: sub } },
});

/** The single statements of the narrow OIDC roles' trust policies. */
export const OIDC_TRUST = Object.freeze({
  mainBranch: oidcStatement(`repo:${GITHUB_RUN.repository}:ref:refs/heads/main`),
  production: oidcStatement(`repo:${GITHUB_RUN.repository}:environment:production`),
  immutableMainBranch: oidcStatement(IMMUTABLE_SUBJECT),
  enterpriseMainBranch: oidcStatement(`repo:${GITHUB_RUN.repository}:ref:refs/heads/main`, {
    provider: SEED.enterpriseOidcProvider,
    host: enterpriseHost,
  }),
});

// Only sts:AssumeRole: AWS then refuses an AssumeRole that carries session tags (moto_launcher.py checks it).
const TRUST_UNTAGGED = document([
  { Effect: 'Allow', Principal: { AWS: SEED.userArn }, Action: 'sts:AssumeRole' },
]);

// AWS matches a role ARN principal against all of that role's sessions; moto compares principals literally,
// so the session ARN the chaining tests use (default session name) is listed as well.
const TRUST_CHAINED = document([
  {
    Effect: 'Allow',
    Principal: {
      AWS: [SEED.deployRole, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/deploy/GitHubActions`],
    },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
  },
]);

/**
 * The session names of hub the spokes trust. AWS matches a role ARN principal against all of that role's
 * sessions; moto compares principals literally, so each session ARN the tests make is listed: the default, the
 * chain tests' per-line `session-name=hub-hop`, and role-session-name-template gha-{run_id}-{run_attempt}.
 */
export const HUB_SESSION_NAMES = Object.freeze([
  'GitHubActions',
  'hub-hop',
  `gha-${GITHUB_RUN.runId}-${GITHUB_RUN.runAttempt}`,
]);

/** The external id spoke-b's trust policy requires (sts:ExternalId). */
export const SPOKE_B_EXTERNAL_ID = 'spoke-b-7f3a';

const HUB_SESSIONS = [
  SEED.hubRole,
  ...HUB_SESSION_NAMES.map((name) => `arn:aws:sts::${ACCOUNT_ID}:assumed-role/hub/${name}`),
];
const CHAIN_ACTIONS = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];

const TRUST_HUB = document([
  { Effect: 'Allow', Principal: { AWS: SEED.userArn }, Action: CHAIN_ACTIONS },
  REPOSITORY_OIDC,
]);

const HUB_POLICY = document([{ Effect: 'Allow', Action: CHAIN_ACTIONS, Resource: spoke('spoke-*') }]);

const TRUST_SPOKE_A = document([
  { Effect: 'Allow', Principal: { AWS: HUB_SESSIONS }, Action: CHAIN_ACTIONS },
]);

const TRUST_SPOKE_B = document([
  {
    Effect: 'Allow',
    Principal: { AWS: HUB_SESSIONS },
    Action: CHAIN_ACTIONS,
    Condition: { StringEquals: { 'sts:ExternalId': SPOKE_B_EXTERNAL_ID } },
  },
]);

const TRUST_SPOKE_OIDC = document([
  {
    Effect: 'Allow',
    Principal: { Federated: SEED.spokeOidcProvider },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { [`${oidcHost}:aud`]: 'sts.amazonaws.com' },
      StringLike: { [`${oidcHost}:sub`]: `repo:${GITHUB_RUN.repository}:*` },
    },
  },
]);

const TRUST_SPOKE_CLOSED = document([
  { Effect: 'Allow', Principal: { AWS: iam('root', SPOKE_ACCOUNT_ID) }, Action: CHAIN_ACTIONS },
]);

const USER_POLICY = document([
  {
    Effect: 'Allow',
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Resource: [SEED.deployRole, SEED.untaggedRole],
  },
  { Effect: 'Allow', Action: CHAIN_ACTIONS, Resource: SEED.hubRole },
]);

const ADMIN_POLICY = document([{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }]);

const DEPLOY_POLICY = document([
  { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
  { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${BUCKET}` },
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${BUCKET}/*` },
  { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: SEED.chainedRole },
]);

const AUDIT_POLICY = document([{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }]);

/**
 * @typedef {{ service: 'iam' | 's3', method: string, path: string, params?: Record<string, string>, body?: string,
 *   account?: string }} SeedRequest  `account`: the moto account it goes to (default ACCOUNT_ID)
 */

/**
 * A role and, when given, its one inline policy: one or two seed requests.
 * @param {string} name
 * @param {string} trust
 * @param {{ account?: string, policy?: string }} [options]
 * @returns {SeedRequest[]}
 */
const roleRequests = (name, trust, { account = ACCOUNT_ID, policy } = {}) => [
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    account,
    params: { Action: 'CreateRole', RoleName: name, AssumeRolePolicyDocument: trust },
  },
  ...(policy === undefined
    ? []
    : [
        /** @type {SeedRequest} */ ({
          service: 'iam',
          method: 'POST',
          path: '/',
          account,
          params: { Action: 'PutRolePolicy', RoleName: name, PolicyName: 'allowed', PolicyDocument: policy },
        }),
      ]),
];

/** @type {readonly SeedRequest[]} The seed, one request each; their number is moto's no-auth allowance. */
const SEED_REQUESTS = [
  { service: 'iam', method: 'POST', path: '/', params: { Action: 'CreateUser', UserName: USER } },
  { service: 'iam', method: 'POST', path: '/', params: { Action: 'CreateAccessKey', UserName: USER } },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'PutUserPolicy',
      UserName: USER,
      PolicyName: 'assume-deploy',
      PolicyDocument: USER_POLICY,
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'CreateOpenIDConnectProvider',
      Url: GITHUB_ISSUER,
      'ClientIDList.member.1': 'sts.amazonaws.com',
      'ClientIDList.member.2': CUSTOM_AUDIENCE,
      'ThumbprintList.member.1': '6938fd4d98bab03faadb97b34396831e3780aea1',
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'CreateOpenIDConnectProvider',
      Url: ENTERPRISE.issuer,
      'ClientIDList.member.1': 'sts.amazonaws.com',
      'ThumbprintList.member.1': '6938fd4d98bab03faadb97b34396831e3780aea1',
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: { Action: 'CreateRole', RoleName: 'deploy', AssumeRolePolicyDocument: TRUST_DEPLOY },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'PutRolePolicy',
      RoleName: 'deploy',
      PolicyName: 'artifacts',
      PolicyDocument: DEPLOY_POLICY,
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: { Action: 'CreateRole', RoleName: 'deploy-audit', AssumeRolePolicyDocument: TRUST_CHAINED },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'PutRolePolicy',
      RoleName: 'deploy-audit',
      PolicyName: 'list',
      PolicyDocument: AUDIT_POLICY,
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'CreateRole',
      RoleName: 'deploy-main',
      AssumeRolePolicyDocument: document([OIDC_TRUST.mainBranch]),
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'CreateRole',
      RoleName: 'deploy-production',
      AssumeRolePolicyDocument: document([OIDC_TRUST.production]),
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'CreateRole',
      RoleName: 'deploy-immutable',
      AssumeRolePolicyDocument: document([OIDC_TRUST.immutableMainBranch]),
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: {
      Action: 'CreateRole',
      RoleName: 'deploy-enterprise',
      AssumeRolePolicyDocument: document([OIDC_TRUST.enterpriseMainBranch]),
    },
  },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: { Action: 'CreateRole', RoleName: 'deploy-untagged', AssumeRolePolicyDocument: TRUST_UNTAGGED },
  },
  { service: 'iam', method: 'POST', path: '/', params: { Action: 'CreateUser', UserName: ADMIN } },
  { service: 'iam', method: 'POST', path: '/', params: { Action: 'CreateAccessKey', UserName: ADMIN } },
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    params: { Action: 'PutUserPolicy', UserName: ADMIN, PolicyName: 'admin', PolicyDocument: ADMIN_POLICY },
  },
  ...roleRequests('hub', TRUST_HUB, { policy: HUB_POLICY }),
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    account: SPOKE_ACCOUNT_ID,
    params: {
      Action: 'CreateOpenIDConnectProvider',
      Url: GITHUB_ISSUER,
      'ClientIDList.member.1': 'sts.amazonaws.com',
      'ThumbprintList.member.1': '6938fd4d98bab03faadb97b34396831e3780aea1',
    },
  },
  ...roleRequests('spoke-a', TRUST_SPOKE_A, { account: SPOKE_ACCOUNT_ID, policy: AUDIT_POLICY }),
  ...roleRequests('spoke-b', TRUST_SPOKE_B, { account: SPOKE_ACCOUNT_ID, policy: AUDIT_POLICY }),
  ...roleRequests('spoke-oidc', TRUST_SPOKE_OIDC, { account: SPOKE_ACCOUNT_ID, policy: AUDIT_POLICY }),
  ...roleRequests('spoke-closed', TRUST_SPOKE_CLOSED, { account: SPOKE_ACCOUNT_ID }),
  { service: 's3', method: 'PUT', path: `/${BUCKET}` },
  { service: 's3', method: 'PUT', path: `/${BUCKET}/${OBJECT}`, body: 'release 1.0\n' },
];

/** How many requests the seed makes: start moto with this INITIAL_NO_AUTH_ACTION_COUNT. */
export const SEED_REQUEST_COUNT = SEED_REQUESTS.length;

/**
 * @typedef {typeof SEED & { accessKeyId: string, secretAccessKey: string, adminAccessKeyId: string,
 *   adminSecretAccessKey: string }} SeededAccount  the user's keys, and the world admin's (iam:*)
 */

/**
 * Creates the account's users, keys, OIDC providers, roles and bucket; returns them with the users' keys.
 * @param {string} motoUrl
 * @returns {Promise<SeededAccount>}
 */
export async function seedAccount(motoUrl) {
  const keys = { accessKeyId: '', secretAccessKey: '', adminAccessKeyId: '', adminSecretAccessKey: '' };
  for (const request of SEED_REQUESTS) {
    const text = await send(motoUrl, request);
    if (request.params?.Action !== 'CreateAccessKey') continue;
    const [accessKeyId, secretAccessKey] = [xmlValue(text, 'AccessKeyId'), xmlValue(text, 'SecretAccessKey')];
    if (request.params.UserName === ADMIN)
      Object.assign(keys, { adminAccessKeyId: accessKeyId, adminSecretAccessKey: secretAccessKey });
    else Object.assign(keys, { accessKeyId, secretAccessKey });
  }
  return { ...SEED, ...keys };
}

/**
 * Throws unless moto now rejects a request with unknown keys, i.e. the no-auth allowance is used up exactly.
 * @param {string} motoUrl
 */
export async function checkAuthEnforced(motoUrl) {
  const response = await fetchWithTimeout(`${motoUrl}/`, {
    method: 'POST',
    headers: { ...routingHeaders('sts'), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: 'GetCallerIdentity', Version: '2011-06-15' }).toString(),
  });
  const text = await response.text();
  if (response.status !== 403 || !text.includes('InvalidClientTokenId')) {
    throw new Error(
      `moto still answers requests with unknown keys (HTTP ${response.status}): INITIAL_NO_AUTH_ACTION_COUNT ` +
        `(${SEED_REQUEST_COUNT}) is more than the requests the seed made, so the tests would not be checked`,
    );
  }
}

/**
 * @param {string} motoUrl
 * @param {SeedRequest} request
 */
async function send(motoUrl, { service, method, path, params, body, account = ACCOUNT_ID }) {
  const version = service === 'iam' ? { Version: '2010-05-08' } : {};
  const response = await fetchWithTimeout(`${motoUrl}${path}`, {
    method,
    headers: {
      ...routingHeaders(service),
      // moto's own header for the account a request is for; the seed's key belongs to no account.
      ...(account !== ACCOUNT_ID && { 'x-moto-account-id': account }),
      ...(params && { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    body: params ? new URLSearchParams({ ...params, ...version }).toString() : body,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `Seeding moto failed at ${params?.Action ?? `${method} ${path}`} (HTTP ${response.status}); if it says ` +
        `the request is not authorized, SEED_REQUEST_COUNT is smaller than the requests the seed makes:\n${text}`,
    );
  }
  return text;
}

/**
 * moto routes a request to a service by the credential scope of its Authorization header; while it lets
 * requests pass unchecked, the signature itself is never verified.
 * @param {string} service
 */
function routingHeaders(service) {
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=AKIASEEDSEEDSEEDSEED/20250101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  };
}

/**
 * @param {string} url
 * @param {RequestInit} init
 */
function fetchWithTimeout(url, init) {
  return globalThis.fetch(url, { ...init, signal: globalThis.AbortSignal.timeout(10_000) });
}

/**
 * @param {string} xml
 * @param {string} tag
 */
function xmlValue(xml, tag) {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!match?.[1]) throw new Error(`moto's answer has no ${tag}:\n${xml}`);
  return match[1];
}
