// GitHub's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): checks the job's bearer token and answers with an
// RS256 JWT carrying GitHub's claims for the requested audience, signed with a key made for this run. Per test it
// can fail the next requests (an HTTP status, a reset connection or one held open), as GitHub's API sometimes does.
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
 * @property {{ audience: string, status: number, at: number }[]} requests  every token request, in order
 *   (status 0: the connection was reset or held open)
 * @property {(audience: string, job?: JobClaims) => Promise<string>} issue  a token as GitHub would give the job
 *   (for token files)
 * @property {(job: JobClaims) => { requestUrl: string, requestToken: string }} forJob  the ID-token variables of a
 *   job whose tokens carry these claims too (each job has its own ACTIONS_ID_TOKEN_REQUEST_URL on GitHub)
 * @property {(count: number, how: IdTokenFailure) => void} failNext  the next `count` token requests fail so
 * @property {() => void} reset  forgets the recorded requests and pending failures (never the issued tokens,
 *   which the secrets rule still looks for)
 * @property {() => Promise<void>} stop
 */

/**
 * @typedef {object} JobClaims  what GitHub puts in a job's tokens besides the run's claims
 * @property {string} [environment]  the job's `environment:`; the sub becomes repo:OWNER/REPO:environment:NAME
 */

/**
 * @typedef {number | 'reset' | 'hold' | 'echo-authorization'} IdTokenFailure  an HTTP status (answered with
 *   GitHub's JSON error body), a destroyed socket, a connection left open unanswered, or an HTTP 500 whose body
 *   echoes the request's Authorization header (the job's bearer token), as a misconfigured proxy's or gateway's
 *   error page can
 */

/**
 * @param {SigningKey} key
 * @returns {Promise<OidcServer>}
 */
export async function startOidcServer(key) {
  const requestToken = randomBytes(24).toString('hex');
  /** @type {{ audience: string, token: string }[]} */
  const issued = [];
  /** @type {{ audience: string, status: number, at: number }[]} */
  const requests = [];
  /** @type {IdTokenFailure[]} */
  const failures = [];
  /** @type {Map<string, JobClaims>} the jobs made by forJob, by the `job` parameter of their request URL */
  const jobs = new Map();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const answer = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' || url.pathname !== '/_apis/idtoken')
      return answer(404, { message: 'Not found' });
    // Without an audience GitHub uses the owner's URL.
    const audience = url.searchParams.get('audience') ?? `${GITHUB_RUN.serverUrl}/${GITHUB_RUN.owner}`;
    const failure = failures.shift();
    const seen = { audience, status: typeof failure === 'number' ? failure : 0, at: Date.now() };
    requests.push(seen);
    if (failure === 'reset') return request.socket.destroy();
    if (failure === 'hold') return; // the client's timeout, or stop(), ends it
    if (failure === 'echo-authorization') {
      seen.status = 500;
      const authorization = String(request.headers.authorization ?? '(none)');
      return answer(500, {
        message: `Internal error for Authorization: ${authorization}`,
        request: { url: request.url, headers: request.headers },
      });
    }
    if (typeof failure === 'number') {
      return answer(failure, { message: `Injected failure: HTTP ${failure}` });
    }
    if (request.headers.authorization !== `Bearer ${requestToken}`) {
      seen.status = 401;
      return answer(401, { message: 'Bad credentials: ACTIONS_ID_TOKEN_REQUEST_TOKEN is wrong or missing' });
    }
    seen.status = 200;
    issue(audience, jobs.get(url.searchParams.get('job') ?? '')).then(
      (token) => answer(200, { count: 1, value: token }),
      (error) => answer(500, { message: String(error) }),
    );
  });
  /** @param {string} audience @param {JobClaims} [job] */
  const issue = async (audience, job = {}) => {
    const token = await signToken(key, audience, job);
    issued.push({ audience, token });
    return token;
  };
  const base = await listenOnLoopback(server);
  return {
    requestUrl: `${base}/_apis/idtoken?api-version=2.0`,
    requestToken,
    issued,
    requests,
    issue,
    forJob: (job) => {
      const id = randomUUID();
      jobs.set(id, job);
      return { requestUrl: `${base}/_apis/idtoken?api-version=2.0&job=${id}`, requestToken };
    },
    failNext: (count, how) => {
      for (let n = 0; n < count; n++) failures.push(how);
    },
    reset: () => {
      requests.splice(0);
      failures.splice(0);
    },
    stop: () => closeServer(server),
  };
}

/**
 * @param {SigningKey} key
 * @param {string} audience
 * @param {JobClaims} job
 */
function signToken(key, audience, { environment }) {
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
    ...(environment !== undefined && { environment }),
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setIssuer(GITHUB_ISSUER)
    .setAudience(audience)
    .setSubject(
      environment === undefined ? GITHUB_SUBJECT : `repo:${GITHUB_RUN.repository}:environment:${environment}`,
    )
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
    .sign(key.privateKey);
}
