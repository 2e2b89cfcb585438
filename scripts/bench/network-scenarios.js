// The real-network model's scenarios (scripts/bench/network.js builds the network): per round, bare
// `node -e 0`, then the main step via GitHub OIDC and via static keys + role, each run by ours and by the
// reference (the same order as the loopback round's, the same side first), both actions given the endpoints
// as https:// URLs behind the links and the throwaway CA as NODE_EXTRA_CA_CERTS. The post step and the fork
// pull request make no request, so the network changes nothing for them: they are not run again here.
import { performance } from 'node:perf_hooks';
import { NODE24 } from '../../__tests__/e2e/world/tools.js';
import { median, summary } from './measure.js';
import { ACTIONS, measure, stepInputs } from './scenarios.js';

/** @typedef {import('./scenarios.js').Side} Side */
/** @typedef {'bare' | 'oidc' | 'keys' | 'referenceOidc' | 'referenceKeys'} NetworkScenario */
/** @typedef {'oidc' | 'keys'} NetworkPath */

/** Every network scenario, in the order the report lists them. */
export const NETWORK_SCENARIOS =
  /** @type {Record<NetworkScenario, { label: string, side?: Side, path?: NetworkPath }>} */ ({
    bare: { label: 'bare node -e 0' },
    oidc: { label: 'main step, GitHub OIDC + role', side: 'ours', path: 'oidc' },
    referenceOidc: { label: 'main step, GitHub OIDC + role', side: 'reference', path: 'oidc' },
    keys: { label: 'main step, static keys + role', side: 'ours', path: 'keys' },
    referenceKeys: { label: 'main step, static keys + role', side: 'reference', path: 'keys' },
  });

const NETWORK_NAMES = /** @type {NetworkScenario[]} */ (Object.keys(NETWORK_SCENARIOS));

/** Longer than the loopback round's: a run now makes a few round trips of tens of ms. */
const STEP_TIMEOUT_MS = 20_000;

/**
 * @typedef {import('./scenarios.js').Run & { stsConnections: number, tokenConnections: number,
 *   stsOpenedMs: number[], tokenOpenedMs: number[], stsServerMs: number[], tokenServerMs: number[],
 *   tokenAnsweredMs: number[] }} NetworkRun
 *   connections opened through each link and when (ms after the step was started: the spawn is a fraction of
 *   a ms later), and the server's time of each exchange (scripts/bench/network.js)
 */

/**
 * @param {Side} side
 * @param {NetworkPath} path
 * @returns {NetworkScenario}
 */
const scenarioOf = (side, path) =>
  side === 'ours' ? path : path === 'oidc' ? 'referenceOidc' : 'referenceKeys';

/**
 * One round of the real-network model. Throws, with the step's log, as the loopback round does.
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {ReturnType<typeof import('./measure.js').measuringSpawn>} meter
 * @param {import('./network.js').Network} network
 * @param {{ referenceFirst?: boolean }} [options]
 * @returns {Promise<Record<NetworkScenario, NetworkRun>>}
 */
export async function runNetworkRound(world, meter, network, { referenceFirst = false } = {}) {
  const { account } = world;
  const { inputs, keysInputs } = stepInputs(world, network.stsEndpoint);
  /** @type {Side[]} */
  const sides = referenceFirst ? ['reference', 'ours'] : ['ours', 'reference'];
  const newJob = (/** @type {boolean} */ idToken) =>
    world.newJob({
      idToken,
      spawn: meter.spawn,
      stepTimeoutMs: STEP_TIMEOUT_MS,
      env: {
        NODE_EXTRA_CA_CERTS: network.caFile,
        ...(idToken && { ACTIONS_ID_TOKEN_REQUEST_URL: network.tokenRequestUrl }),
      },
    });
  const bareJob = newJob(true);
  const jobs = {
    ours: { oidc: newJob(true), keys: newJob(false) },
    reference: { oidc: newJob(true), keys: newJob(false) },
  };
  const who = (/** @type {Side} */ side) => (side === 'ours' ? 'our' : "the reference's");
  /** @type {(...args: Parameters<typeof measure>) => Promise<NetworkRun>} */
  const measured = async (...args) => {
    network.reset();
    const started = performance.now();
    const run = await measure(...args);
    const since = (/** @type {number[]} */ times) => times.map((at) => at - started);
    return {
      ...run,
      stsConnections: network.links.sts.connections(),
      tokenConnections: network.links.token.connections(),
      stsOpenedMs: since(network.links.sts.openedAt()),
      tokenOpenedMs: since(network.links.token.openedAt()),
      stsServerMs: network.fronts.sts.serverMs(),
      tokenServerMs: network.fronts.token.serverMs(),
      // The answer reaches the client half a round trip after it left the server.
      tokenAnsweredMs: since(network.fronts.token.answeredAt()).map((ms) => ms + network.rttMs.token / 2),
    };
  };
  try {
    /** @type {Partial<Record<NetworkScenario, NetworkRun>>} */
    const round = {
      bare: await measured(world, meter, bareJob, 'bare node', () => bareJob.run([NODE24, '-e', '0'])),
    };
    for (const side of sides) {
      round[scenarioOf(side, 'oidc')] = await measured(
        world,
        meter,
        jobs[side].oidc,
        `${who(side)} main step (OIDC, real-network model)`,
        () => jobs[side].oidc.uses(inputs, { action: ACTIONS[side] }),
        (call) => call.action === 'AssumeRoleWithWebIdentity' && call.params.RoleArn === account.deployRole,
      );
    }
    for (const side of sides) {
      round[scenarioOf(side, 'keys')] = await measured(
        world,
        meter,
        jobs[side].keys,
        `${who(side)} main step (keys, real-network model)`,
        () => jobs[side].keys.uses(keysInputs, { action: ACTIONS[side] }),
        (call) =>
          call.action === 'AssumeRole' &&
          call.params.RoleArn === account.deployRole &&
          call.signingKeyId === account.accessKeyId,
      );
    }
    return /** @type {Record<NetworkScenario, NetworkRun>} */ (round);
  } finally {
    for (const job of [bareJob, ...Object.values(jobs.ours), ...Object.values(jobs.reference)]) job.dispose();
  }
}

/**
 * The physical limit of each path: what no action can beat on this network, from the same RTTs and the
 * servers' own measured time (medians of every exchange in this path's runs, both actions').
 *
 *   request(rtt, server) = rtt + server            one HTTP request on an open TLS connection
 *   connect(rtt)         = rtt (TCP) + rtt (TLS 1.3) a new connection, ready for its first request
 *
 *   keys = bare + connect(sts) + request(sts, stsServer)
 *        = bare + 3·sts RTT + STS server time
 *     one STS call (AssumeRole, signed with the keys) on a new connection: nothing to do before it.
 *
 *   oidc = bare + max(connect(token) + request(token, tokenServer), connect(sts)) + request(sts, stsServer)
 *     the ID token first (a new connection to the token endpoint, then its request), and then one STS call
 *     (AssumeRoleWithWebIdentity) that needs it. The STS connection's TCP + TLS need no token: they can be
 *     opened at start, alongside the token fetch, so after the token only the STS request's round trip and
 *     server time are left. The max() is there for when the STS handshakes outlast the token fetch (RTT 60/30
 *     ms: 2·60 = 120 ms against 3·30 ms + server time), when the STS request has to wait for its connection.
 *
 * "bare" is the median wall time of `node -e 0` on this machine: starting Node and ending it. The actions'
 * own work (loading their code, signing, writing the files) is on top of that, so no action reaches the limit;
 * the gap is what there is to win.
 * @param {number} bareMs
 * @param {{ sts: number, token: number }} rttMs
 * @param {{ sts: number, token: number }} serverMs
 */
export function physicalLimits(bareMs, rttMs, serverMs) {
  const connect = (/** @type {number} */ rtt) => 2 * rtt;
  const request = (/** @type {number} */ rtt, /** @type {number} */ server) => rtt + server;
  return {
    keys: bareMs + connect(rttMs.sts) + request(rttMs.sts, serverMs.sts),
    oidc:
      bareMs +
      Math.max(connect(rttMs.token) + request(rttMs.token, serverMs.token), connect(rttMs.sts)) +
      request(rttMs.sts, serverMs.sts),
  };
}

/** Connections each path needs: one to STS, and for OIDC one to the token endpoint. */
const NEEDED_CONNECTIONS = { oidc: { sts: 1, token: 1 }, keys: { sts: 1, token: 0 } };

/** What an action may take on this network: at most this many times the path's physical limit. */
export const MAX_TIMES_LIMIT = 1.3;

/**
 * Medians per scenario, each path's limit, and ours against the limit and the reference.
 * @param {Record<NetworkScenario, NetworkRun[]>} runs
 * @param {{ sts: number, token: number }} rttMs
 */
export function summariseNetwork(runs, rttMs) {
  const bareMs = median(runs.bare.map((run) => run.wallMs));
  const serverOf = (/** @type {NetworkPath} */ path) => {
    const list = [...runs[path], ...runs[scenarioOf('reference', path)]];
    return {
      sts: median(list.flatMap((run) => run.stsServerMs)),
      token: path === 'oidc' ? median(list.flatMap((run) => run.tokenServerMs)) : 0,
    };
  };
  const serverMs = { oidc: serverOf('oidc'), keys: serverOf('keys') };
  const limits = {
    oidc: physicalLimits(bareMs, rttMs, serverMs.oidc).oidc,
    keys: physicalLimits(bareMs, rttMs, serverMs.keys).keys,
  };
  const scenarios = Object.fromEntries(
    NETWORK_NAMES.map((name) => {
      const list = runs[name];
      const { path } = NETWORK_SCENARIOS[name];
      const wall = summary(list.map((run) => run.wallMs));
      return [
        name,
        {
          ...NETWORK_SCENARIOS[name],
          wallMs: wall,
          stsRequestsPerRun: summary(list.map((run) => run.stsRequests)),
          stsActions: [...new Set(list.map((run) => run.stsActions.join(' + ') || 'none'))],
          stsConnectionsPerRun: summary(list.map((run) => run.stsConnections)),
          tokenConnectionsPerRun: summary(list.map((run) => run.tokenConnections)),
          // When the first connection of the run was opened: how long the action worked before its first
          // byte went out (its start-up, on top of bare node's).
          firstConnectionMs: summary(
            list.map((run) => Math.min(...run.tokenOpenedMs, ...run.stsOpenedMs)).filter(Number.isFinite),
          ),
          ...(path && {
            limitMs: limits[path],
            timesLimit: wall.median / limits[path],
            neededConnections: NEEDED_CONNECTIONS[path],
          }),
          runs: list,
        },
      ];
    }),
  );
  // Where each action's time goes, from the links' and the fronts' clocks (medians over runs): its start-up
  // before its first connection (beyond bare node's); for OIDC how long its token fetch took against the
  // 3 token RTT + server time it needs (the rest is the client's own TLS and HTTP work), and how long after the
  // token's answer reached it the STS connection was opened (ideal: before, alongside the token fetch).
  const timeline = Object.fromEntries(
    /** @type {NetworkScenario[]} */ (['oidc', 'referenceOidc', 'keys', 'referenceKeys']).map((name) => {
      const list = runs[name];
      const firstConnection = median(list.map((run) => Math.min(...run.tokenOpenedMs, ...run.stsOpenedMs)));
      const tokenOpened = median(list.map((run) => run.tokenOpenedMs[0] ?? NaN));
      const tokenAnswered = median(list.map((run) => run.tokenAnsweredMs[0] ?? NaN));
      const stsOpened = median(list.map((run) => run.stsOpenedMs[0] ?? NaN));
      return [
        name,
        {
          firstConnectionMs: firstConnection,
          startupBeyondBareMs: firstConnection - bareMs,
          ...(NETWORK_SCENARIOS[name].path === 'oidc' && {
            tokenFetchMs: tokenAnswered - tokenOpened,
            tokenFetchNeededMs: 3 * rttMs.token + serverMs.oidc.token,
            stsOpenedAfterTokenMs: stsOpened - tokenAnswered,
          }),
        },
      ];
    }),
  );
  const figures = /** @type {NetworkPath[]} */ (['oidc', 'keys']).map((path) => {
    const ours = scenarios[path];
    const reference = scenarios[scenarioOf('reference', path)];
    return {
      figure: `main step (${path === 'oidc' ? 'OIDC' : 'keys'}), wall`,
      path,
      limitMs: limits[path],
      ours: ours.wallMs.median,
      reference: reference.wallMs.median,
      oursTimesLimit: ours.wallMs.median / limits[path],
      referenceTimesLimit: reference.wallMs.median / limits[path],
      ratioToReference: ours.wallMs.median / reference.wallMs.median,
      target: `≤ ${MAX_TIMES_LIMIT}× limit`,
      pass: ours.wallMs.median <= MAX_TIMES_LIMIT * limits[path],
    };
  });
  return { rttMs, bareMs, serverMs, limits, scenarios, timeline, figures };
}
