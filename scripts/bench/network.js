// The bench's real-network model: what a runner's step meets on its way to STS and to GitHub's ID-token
// endpoint, rebuilt on loopback around the e2e world's own servers (nothing in the world changes):
//
//   action ──TCP──▶ link (adds RTT) ──TCP──▶ TLS front (throwaway CA) ──plain TCP──▶ world's HTTP server
//
// - A throwaway CA and a server certificate for 127.0.0.1, made with `openssl` at bench start in a temporary
//   directory; the actions trust the CA through NODE_EXTRA_CA_CERTS (read by Node at process start, used by
//   every https request of both actions: ours, the reference's AWS SDK and @actions/http-client).
// - The TLS front: a TLS 1.3 terminator (TLS 1.3: a full handshake costs one round trip) that pipes the
//   decrypted bytes to the world's server unchanged (the recording STS proxy, so it still sees every STS
//   request; or the ID-token endpoint). It measures the server's own time per HTTP exchange where the server
//   is, after the link: from the last byte of a request to the last byte of its answer.
// - The link: a TCP proxy in front of the TLS front that delays the connection's establishment by one RTT (the
//   TCP handshake: the client may send its first byte only once SYN/SYN-ACK have gone and come back) and every
//   chunk by RTT/2 each way (order kept, end-of-stream too). It counts the connections opened through it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { createServer as createTlsServer } from 'node:tls';

/**
 * @typedef {object} Pki
 * @property {string} caFile  the CA's certificate (PEM), for NODE_EXTRA_CA_CERTS
 * @property {string} key     the server's private key (PEM)
 * @property {string} cert    the server's certificate for 127.0.0.1 (PEM)
 * @property {() => void} dispose
 */

/**
 * A throwaway CA (valid one day) and a P-256 server certificate it signed for IP 127.0.0.1 and localhost.
 * @returns {Pki}
 */
export function makePki() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('openssl is needed for the real-network model (a throwaway CA): apt-get install openssl');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'assume-aws-role-bench-pki-'));
  const at = (/** @type {string} */ name) => path.join(dir, name);
  const openssl = (/** @type {string[]} */ args) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl([
      ...['req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '1'],
      ...['-subj', '/CN=assume-aws-role bench throwaway CA'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ]);
    openssl(['req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1']);
    writeFileSync(
      at('server.ext'),
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
        'subjectAltName=IP:127.0.0.1,DNS:localhost\n',
    );
    openssl([
      ...['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key')],
      ...['-CAcreateserial', '-out', at('server.pem'), '-days', '1', '-extfile', at('server.ext')],
    ]);
    return {
      caFile: at('ca.pem'),
      key: readFileSync(at('server.key'), 'utf8'),
      cert: readFileSync(at('server.pem'), 'utf8'),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString().trim();
    throw new Error(`openssl could not make the throwaway CA${stderr ? `: ${stderr}` : ''}`, {
      cause: error,
    });
  }
}

/**
 * @typedef {object} TlsFront
 * @property {number} port
 * @property {() => number[]} serverMs  the server's time of every HTTP exchange answered since the last reset
 * @property {() => number[]} answeredAt  when each answer's last byte left the server, performance.now() times
 * @property {() => void} reset
 * @property {() => Promise<void>} stop
 */

/**
 * A TLS 1.3 terminator on 127.0.0.1 in front of a plain HTTP server; measures the server's time per exchange.
 * @param {Pki} pki
 * @param {string} targetUrl  the plain server's base URL (http://127.0.0.1:PORT)
 * @returns {Promise<TlsFront>}
 */
export async function startTlsFront(pki, targetUrl) {
  const target = new URL(targetUrl);
  /** @type {{ lastRequestAt: number, lastAnswerAt?: number }[]} */
  const exchanges = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const server = createTlsServer(
    { key: pki.key, cert: pki.cert, minVersion: 'TLSv1.3', allowHalfOpen: true },
    (tlsSocket) => {
      const upstream = netConnect({ host: target.hostname, port: Number(target.port), allowHalfOpen: true });
      upstream.setNoDelay(true);
      sockets.add(tlsSocket).add(upstream);
      // One HTTP/1.1 exchange at a time per connection: a request's bytes, then its answer's. The server's time
      // is from the request's last byte to the answer's last byte so far (kept up to date as the answer
      // flows, so it is complete once the client has the whole answer).
      /** @type {{ lastRequestAt: number, lastAnswerAt?: number } | undefined} */
      let exchange;
      tlsSocket.on('data', (chunk) => {
        if (exchange?.lastAnswerAt !== undefined || exchange === undefined) {
          exchange = { lastRequestAt: performance.now() };
        } else exchange.lastRequestAt = performance.now();
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (exchange !== undefined) {
          if (exchange.lastAnswerAt === undefined) exchanges.push(exchange);
          exchange.lastAnswerAt = performance.now();
        }
        tlsSocket.write(chunk);
      });
      tlsSocket.on('end', () => upstream.end());
      upstream.on('end', () => tlsSocket.end());
      const close = () => {
        tlsSocket.destroy();
        upstream.destroy();
        sockets.delete(tlsSocket);
        sockets.delete(upstream);
      };
      tlsSocket.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    },
  );
  // No Nagle on the client side either: the answer leaves in several writes (TLS records), and with Nagle the
  // second waited for the link's delayed ACK (40 ms on Linux), a stall that real endpoints don't add.
  server.on('connection', (socket) => socket.setNoDelay(true));
  server.on('tlsClientError', () => {}); // a client that gives up mid-handshake is its own business
  const port = await listen(server);
  return {
    port,
    serverMs: () => exchanges.map((one) => (one.lastAnswerAt ?? one.lastRequestAt) - one.lastRequestAt),
    answeredAt: () => exchanges.map((one) => one.lastAnswerAt ?? one.lastRequestAt),
    reset: () => {
      exchanges.splice(0);
    },
    stop: () => stopServer(server, sockets),
  };
}

/**
 * @typedef {object} Link
 * @property {number} port
 * @property {number} rttMs
 * @property {() => number} connections  connections opened through it since the last reset
 * @property {() => number[]} openedAt  when each was opened (accepted), performance.now() times
 * @property {() => void} reset
 * @property {() => Promise<void>} stop
 */

/**
 * A TCP proxy on 127.0.0.1 that adds a round-trip time: a connection's bytes flow only one RTT after it was
 * accepted (the TCP handshake), and every chunk (and the end of each stream) arrives RTT/2 after it was sent,
 * in order. Bandwidth and TCP slow start are not modelled: the payloads here are a few kB.
 * @param {number} targetPort  on 127.0.0.1
 * @param {number} rttMs
 * @returns {Promise<Link>}
 */
export async function startLink(targetPort, rttMs) {
  /** @type {number[]} */
  const openedAt = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const server = createNetServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    openedAt.push(performance.now());
    const establishedAt = performance.now() + rttMs;
    const upstream = netConnect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true, noDelay: true });
    sockets.add(client).add(upstream);
    const toServer = delayedPipe(upstream, establishedAt, rttMs / 2);
    const toClient = delayedPipe(client, establishedAt, rttMs / 2);
    client.on('data', (chunk) => toServer.push(chunk));
    client.on('end', () => toServer.push(null));
    upstream.on('data', (chunk) => toClient.push(chunk));
    upstream.on('end', () => toClient.push(null));
    const close = () => {
      toServer.cancel();
      toClient.cancel();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A reset or a close ends both sides at once (a reset travels as fast as the rest, but nothing here waits
    // for one).
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  const port = await listen(server);
  return {
    port,
    rttMs,
    connections: () => openedAt.length,
    openedAt: () => [...openedAt],
    reset: () => {
      openedAt.splice(0);
    },
    stop: () => stopServer(server, sockets),
  };
}

/**
 * Writes what it is given to `to`, each chunk (null: the end) `delayMs` after it was given but never before
 * `notBefore` + `delayMs`, in order.
 * @param {import('node:net').Socket} to
 * @param {number} notBefore  performance.now() time
 * @param {number} delayMs
 */
function delayedPipe(to, notBefore, delayMs) {
  /** @type {{ at: number, chunk: Buffer | null }[]} */
  const queue = [];
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.at ?? 0) <= now + 0.5) {
      const { chunk } = /** @type {{ chunk: Buffer | null }} */ (queue.shift());
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    const next = queue[0];
    if (next !== undefined) timer = setTimeout(pump, Math.max(0, next.at - performance.now()));
  };
  return {
    /** @param {Buffer | null} chunk */
    push(chunk) {
      const last = queue.at(-1)?.at ?? 0;
      queue.push({ at: Math.max(performance.now(), notBefore, last - delayMs) + delayMs, chunk });
      if (timer === undefined) timer = setTimeout(pump, Math.max(0, (queue[0]?.at ?? 0) - performance.now()));
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      queue.splice(0);
    },
  };
}

/**
 * @param {import('node:net').Server} server
 * @returns {Promise<number>} the port it listens on, on 127.0.0.1
 */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('the server has no TCP address'));
      else resolve(address.port);
    });
  });
}

/**
 * @param {import('node:net').Server} server
 * @param {Set<import('node:net').Socket>} sockets
 */
function stopServer(server, sockets) {
  return new Promise((resolve) => {
    server.close(() => resolve(undefined));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });
}

/**
 * @typedef {object} Network  the world's STS and ID-token endpoints behind TLS and a link with RTT
 * @property {string} stsEndpoint  https://127.0.0.1:PORT, the sts-endpoint input of both actions
 * @property {string} tokenRequestUrl  ACTIONS_ID_TOKEN_REQUEST_URL
 * @property {string} caFile  NODE_EXTRA_CA_CERTS
 * @property {{ sts: number, token: number }} rttMs
 * @property {{ sts: Link, token: Link }} links
 * @property {{ sts: TlsFront, token: TlsFront }} fronts
 * @property {() => void} reset  forgets the connection counts and server times
 * @property {() => Promise<void>} stop
 */

/**
 * Puts the world's recording STS proxy and ID-token endpoint behind a TLS front and a link each.
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {{ sts: number, token: number }} rttMs
 * @returns {Promise<Network>}
 */
export async function startNetwork(world, rttMs) {
  const pki = makePki();
  /** @type {(() => Promise<void>)[]} */
  const stops = [async () => pki.dispose()];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };
  try {
    const tokenUrl = new URL(world.oidc.requestUrl);
    const fronts = {
      sts: await startTlsFront(pki, world.stsEndpoint),
      token: await startTlsFront(pki, tokenUrl.origin),
    };
    stops.push(fronts.sts.stop, fronts.token.stop);
    const links = {
      sts: await startLink(fronts.sts.port, rttMs.sts),
      token: await startLink(fronts.token.port, rttMs.token),
    };
    stops.push(links.sts.stop, links.token.stop);
    return {
      stsEndpoint: `https://127.0.0.1:${links.sts.port}`,
      tokenRequestUrl: `https://127.0.0.1:${links.token.port}${tokenUrl.pathname}${tokenUrl.search}`,
      caFile: pki.caFile,
      rttMs,
      links,
      fronts,
      reset: () => {
        for (const one of [links.sts, links.token, fronts.sts, fronts.token]) one.reset();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
