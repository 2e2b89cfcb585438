// A plain HTTP forward proxy (the kind http-proxy / HTTPS_PROXY name) on loopback: it passes each request on to
// the absolute URL in its request line, unchanged, and records which STS actions went through it. The action's
// STS endpoint in the tests is http:// (the recording proxy), so no CONNECT tunnel is needed.
import { Buffer } from 'node:buffer';
import { createServer, request as httpRequest } from 'node:http';
import { URLSearchParams } from 'node:url';
import { closeServer, listenOnLoopback } from './listen.js';

/**
 * @typedef {object} ForwardProxy
 * @property {string} url  for http-proxy or HTTP(S)_PROXY
 * @property {string[]} forwarded  the STS action of each request it passed on (the body's Action), in order
 * @property {() => Promise<void>} stop
 */

/** @returns {Promise<ForwardProxy>} */
export async function startForwardProxy() {
  /** @type {string[]} */
  const forwarded = [];
  const server = createServer(async (incoming, outgoing) => {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    let target;
    try {
      target = new URL(incoming.url ?? '');
    } catch {
      outgoing.writeHead(400, { 'content-type': 'text/plain' });
      return outgoing.end('forward proxy: the request line has no absolute URL');
    }
    forwarded.push(new URLSearchParams(body.toString('utf8')).get('Action') ?? '');
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: `${target.pathname}${target.search}`,
        headers: incoming.headers,
        timeout: 15_000,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('no answer within 15 s')));
    upstream.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`forward proxy: ${error.message}`);
    });
    upstream.end(body);
  });
  const url = await listenOnLoopback(server);
  return { url, forwarded, stop: () => closeServer(server) };
}
