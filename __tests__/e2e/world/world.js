// The whole test world: moto (seeded, auth enforced), GitHub's ID-token endpoint, a recording proxy in front of
// moto for the action's STS requests, and emulated runner jobs. Started by the tests and by `npm run demo`.
// Both servers can misbehave on demand (world.sts.injectFaults / limitRate, world.oidc.failNext); reset them
// between tests that use this (world.sts.reset(), world.oidc.reset()).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { startMoto } from './moto.js';
import { newSigningKey, startOidcServer } from './oidc-server.js';
import { startRecordingProxy } from './recording-proxy.js';
import { Job } from './runner.js';
import { checkAuthEnforced, REGION, SEED_REQUEST_COUNT, seedAccount } from './seed.js';
import { REPO_ROOT, requireTools } from './tools.js';

/**
 * @typedef {Omit<import('./runner.js').JobOptions, 'idToken'>
 *   & { idToken?: boolean | import('./oidc-server.js').JobClaims }} WorldJobOptions
 *   `idToken: true` gives the job `permissions: id-token: write` (the world's ID-token endpoint);
 *   `idToken: { environment: 'production' }` also runs it in that environment (its tokens say so)
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
    const key = await newSigningKey();
    const moto = await startMoto({ initialNoAuthActionCount: SEED_REQUEST_COUNT, oidcJwks: key.jwks });
    stops.push(moto.stop);
    const account = await seedAccount(moto.url);
    await checkAuthEnforced(moto.url);
    const oidc = await startOidcServer(key);
    stops.push(oidc.stop);
    const sts = await startRecordingProxy(moto.url);
    stops.push(sts.stop);
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
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
