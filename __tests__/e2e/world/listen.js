// Starting and stopping the world's HTTP servers: loopback only, a free port, bounded waits.
import { once } from 'node:events';
import { clearTimeout, setTimeout } from 'node:timers';

/**
 * Listens on 127.0.0.1 on a free port; resolves with the base URL.
 * @param {import('node:http').Server} server
 * @returns {Promise<string>}
 */
export async function listenOnLoopback(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Closes the server and its open connections, waiting at most `timeoutMs`.
 * @param {import('node:http').Server} server
 * @param {number} [timeoutMs]
 */
export async function closeServer(server, timeoutMs = 5_000) {
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  let timer;
  await Promise.race([
    closed,
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
