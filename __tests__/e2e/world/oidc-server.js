// GitHub's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): checks the job's bearer token and answers with an
// RS256 JWT carrying GitHub's claims for the requested audience, signed with a key made for this run. Per test it
// can fail the next requests (an HTTP status, a reset connection or one held open), as GitHub's API sometimes does.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ENTERPRISE, GITHUB_ISSUER, GITHUB_RUN } from './github-run.js';
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
 * @property {'name' | 'immutable'} [subject]  the sub's form (default 'name'): `repo:OWNER/REPO:…`, or the
 *   immutable `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` of repositories created or renamed since 2026-07-15
 * @property {string} [eventName]  the event_name claim (default GITHUB_RUN.eventName); `pull_request` makes the
 *   sub end in `:pull_request` (unless the job has an environment), the ref `refs/pull/1/merge`, and adds the
 *   head_ref and base_ref claims
 * @property {boolean} [enterprise]  the enterprise's own issuer (ENTERPRISE.issuer) and its `enterprise` and
 *   `enterprise_id` claims
 * @property {{ name: string, id: string }} [repository]  the token of another repository of the same owner
 *   (e.g. `{ name: 'octo-org/other-repo', id: '690999999' }`): repository, repository_id, sub, workflow_ref
 *   and job_workflow_ref name it
 * @property {string} [repositoryId]  another repository_id for the same name (a repository deleted and
 *   recreated under its old name); the immutable sub says it too
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

/** The pull request a `pull_request` token is for (its ref is refs/pull/N/merge). */
export const PULL_REQUEST = Object.freeze({ number: 1, headRef: 'feature', baseRef: 'main' });

/**
 * The claims of a token GitHub gives this job (without aud and the times), as GitHub sent them in 2026.
 * @param {JobClaims} job
 * @returns {Record<string, string> & { iss: string, sub: string }}
 */
export function jobClaims({
  environment,
  subject = 'name',
  eventName = GITHUB_RUN.eventName,
  enterprise = false,
  repository: otherRepository,
  repositoryId: otherId,
} = {}) {
  const repository = otherRepository?.name ?? GITHUB_RUN.repository;
  const repositoryId = otherId ?? otherRepository?.id ?? GITHUB_RUN.repositoryId;
  const pullRequest = eventName === 'pull_request';
  const ref = pullRequest ? `refs/pull/${PULL_REQUEST.number}/merge` : GITHUB_RUN.ref;
  const [owner, name] = repository.split('/');
  const subjectRepository =
    subject === 'immutable' ? `${owner}@${GITHUB_RUN.ownerId}/${name}@${repositoryId}` : repository;
  const rest =
    environment !== undefined ? `environment:${environment}` : pullRequest ? 'pull_request' : `ref:${ref}`;
  const workflowRef = `${repository}/${GITHUB_RUN.workflowFile}@${ref}`;
  return {
    iss: enterprise ? ENTERPRISE.issuer : GITHUB_ISSUER,
    sub: `repo:${subjectRepository}:${rest}`,
    repository,
    repository_id: repositoryId,
    repository_owner: GITHUB_RUN.owner,
    repository_owner_id: GITHUB_RUN.ownerId,
    repository_visibility: 'private',
    ref,
    sha: GITHUB_RUN.sha,
    workflow: GITHUB_RUN.workflow,
    workflow_ref: workflowRef,
    workflow_sha: GITHUB_RUN.sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: GITHUB_RUN.sha,
    event_name: eventName,
    actor: GITHUB_RUN.actor,
    actor_id: GITHUB_RUN.actorId,
    run_id: GITHUB_RUN.runId,
    run_number: GITHUB_RUN.runNumber,
    run_attempt: GITHUB_RUN.runAttempt,
    runner_environment: 'github-hosted',
    ...(pullRequest && { head_ref: PULL_REQUEST.headRef, base_ref: PULL_REQUEST.baseRef }),
    ...(environment !== undefined && { environment }),
    ...(enterprise && { enterprise: ENTERPRISE.slug, enterprise_id: ENTERPRISE.id }),
  };
}

/**
 * @param {SigningKey} key
 * @param {string} audience
 * @param {JobClaims} job
 */
function signToken(key, audience, job) {
  const now = Math.floor(Date.now() / 1000);
  const { iss, sub, ...claims } = jobClaims(job);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setIssuer(iss)
    .setAudience(audience)
    .setSubject(sub)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
    .sign(key.privateKey);
}
