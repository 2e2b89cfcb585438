// The local world `npm run local-action` runs against when the env file points at it, as .env.example does as
// shipped: the end-to-end tests' moto (STS, IAM and S3, seeded with the role deploy, which trusts GitHub OIDC
// for octo-org/octo-repo) and GitHub ID-token endpoint, behind one fixed loopback address, so that an env file
// can name them: LOCAL_WORLD_URL for sts-endpoint and for ACTIONS_ID_TOKEN_REQUEST_URL, with the bearer
// LOCAL_WORLD_TOKEN. Needs moto_server on PATH (not the AWS CLI, not Node 24: local-action runs src/).
import { accessSync, constants } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import * as path from 'node:path';
import { startServices } from '../../__tests__/e2e/world/world.js';
import { closeServer } from '../../__tests__/e2e/world/listen.js';

/** The fixed port of the local world's front (below the ephemeral port ranges of Linux and macOS). */
export const LOCAL_WORLD_PORT = 4599;
/** The local world's address: STS at `/`, GitHub's ID-token endpoint at `/_apis/idtoken`. */
export const LOCAL_WORLD_URL = `http://127.0.0.1:${LOCAL_WORLD_PORT}`;
/** The ID-token endpoint's bearer (ACTIONS_ID_TOKEN_REQUEST_TOKEN) in an env file; not a secret. */
export const LOCAL_WORLD_TOKEN = 'local-world';
const ID_TOKEN_PATH = '/_apis/idtoken';

/**
 * @typedef {object} LocalWorld
 * @property {import('../../__tests__/e2e/world/seed.js').SeededAccount} account
 * @property {() => Promise<void>} stop
 */

/**
 * Whether an env file's values name the local world (its sts-endpoint or its ID-token URL).
 * @param {Record<string, string>} values
 */
export function pointsAtLocalWorld(values) {
  return ['INPUT_STS-ENDPOINT', 'ACTIONS_ID_TOKEN_REQUEST_URL'].some((name) => {
    try {
      return new URL(values[name] ?? '').origin === LOCAL_WORLD_URL;
    } catch {
      return false;
    }
  });
}

/**
 * Starts moto (seeded, auth enforced), the ID-token endpoint and the recording STS proxy, then the front on
 * LOCAL_WORLD_URL; throws, saying why, when moto_server is missing or the port is taken.
 * @returns {Promise<LocalWorld>}
 */
export async function startLocalWorld() {
  if (!onPath('moto_server')) {
    throw new Error(
      'The local world needs moto_server on PATH: pipx install "moto[server]"   (then make sure ~/.local/bin is ' +
        'on PATH). Or point the env file at real AWS instead (see .env.example).',
    );
  }
  /** @type {(() => Promise<void>)[]} */
  const stops = [];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };
  try {
    const { account, oidc, sts } = await startServices(stops);
    const front = await startFront(new URL(sts.url), new URL(oidc.requestUrl), oidc.requestToken);
    stops.push(() => closeServer(front));
    return { account, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * One HTTP server on LOCAL_WORLD_URL that passes each request on unchanged (Host included, so signatures still
 * verify): ID-token requests to the world's endpoint, with LOCAL_WORLD_TOKEN swapped for its bearer, everything
 * else to STS.
 * @param {URL} sts
 * @param {URL} idTokens
 * @param {string} bearer
 * @returns {Promise<import('node:http').Server>}
 */
async function startFront(sts, idTokens, bearer) {
  const server = createServer((request, response) => {
    const forIdToken = (request.url ?? '').startsWith(ID_TOKEN_PATH);
    const target = forIdToken ? idTokens : sts;
    const headers = { ...request.headers };
    if (forIdToken && headers.authorization === `Bearer ${LOCAL_WORLD_TOKEN}`)
      headers.authorization = `Bearer ${bearer}`;
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        /** @type {NodeJS.ErrnoException} */ (error).code === 'EADDRINUSE'
          ? new Error(
              `${LOCAL_WORLD_URL} is in use (another npm run local-action?): the local world needs port ` +
                `${LOCAL_WORLD_PORT}`,
            )
          : error,
      ),
    );
    server.listen(LOCAL_WORLD_PORT, '127.0.0.1', () => resolve(undefined));
  });
  return server;
}

/** @param {string} program */
function onPath(program) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
