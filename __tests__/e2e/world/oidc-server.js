// GitHub's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): checks the job's bearer token and answers with an
// RS256 JWT carrying GitHub's claims for the requested audience, signed with a key made for this run.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { GITHUB_ISSUER, GITHUB_RUN, GITHUB_SUBJECT } from './github-run.js';
import { closeServer, listenOnLoopback } from './listen.js';

/** How long a token is valid, like GitHub's (about 5 to 10 minutes). */
const TOKEN_LIFETIME_SECONDS = 5 * 60;

/**
 * @typedef {object} SigningKey
 * @property {CryptoKey} privateKey
 * @property {{ keys: object[] }} jwks  the public half, for whoever verifies the tokens (moto's launcher)
 * @property {string} kid
 */

/** @returns {Promise<SigningKey>} A fresh RS256 key pair for this run. */
export async function newSigningKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return {
    privateKey,
    kid,
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] },
  };
}

/**
 * @typedef {object} OidcServer
 * @property {string} requestUrl    ACTIONS_ID_TOKEN_REQUEST_URL (core.getIDToken appends &audience=…)
 * @property {string} requestToken  ACTIONS_ID_TOKEN_REQUEST_TOKEN
 * @property {{ audience: string, token: string }[]} issued  every token handed out, in order
 * @property {(audience: string) => Promise<string>} issue  a token as GitHub would give the job (for token files)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {SigningKey} key
 * @returns {Promise<OidcServer>}
 */
export async function startOidcServer(key) {
  const requestToken = randomBytes(24).toString('hex');
  /** @type {{ audience: string, token: string }[]} */
  const issued = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const answer = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' || url.pathname !== '/_apis/idtoken')
      return answer(404, { message: 'Not found' });
    if (request.headers.authorization !== `Bearer ${requestToken}`) {
      return answer(401, { message: 'Bad credentials: ACTIONS_ID_TOKEN_REQUEST_TOKEN is wrong or missing' });
    }
    // Without an audience GitHub uses the owner's URL.
    const audience = url.searchParams.get('audience') ?? `${GITHUB_RUN.serverUrl}/${GITHUB_RUN.owner}`;
    issue(audience).then(
      (token) => answer(200, { count: 1, value: token }),
      (error) => answer(500, { message: String(error) }),
    );
  });
  /** @param {string} audience */
  const issue = async (audience) => {
    const token = await signToken(key, audience);
    issued.push({ audience, token });
    return token;
  };
  const base = await listenOnLoopback(server);
  return {
    requestUrl: `${base}/_apis/idtoken?api-version=2.0`,
    requestToken,
    issued,
    issue,
    stop: () => closeServer(server),
  };
}

/**
 * @param {SigningKey} key
 * @param {string} audience
 */
function signToken(key, audience) {
  const now = Math.floor(Date.now() / 1000);
  const workflowRef = `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@${GITHUB_RUN.ref}`;
  return new SignJWT({
    repository: GITHUB_RUN.repository,
    repository_owner: GITHUB_RUN.owner,
    ref: GITHUB_RUN.ref,
    sha: GITHUB_RUN.sha,
    workflow: GITHUB_RUN.workflow,
    job_workflow_ref: workflowRef,
    workflow_ref: workflowRef,
    event_name: GITHUB_RUN.eventName,
    actor: GITHUB_RUN.actor,
    run_id: GITHUB_RUN.runId,
    run_number: GITHUB_RUN.runNumber,
    run_attempt: GITHUB_RUN.runAttempt,
    runner_environment: 'github-hosted',
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setIssuer(GITHUB_ISSUER)
    .setAudience(audience)
    .setSubject(GITHUB_SUBJECT)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
    .sign(key.privateKey);
}
