// A recording proxy in front of moto, given to the action as sts-endpoint: it forwards every request unchanged
// (Host included, so SigV4 signatures still verify) and records what the action asked STS for.
import { Buffer } from 'node:buffer';
import { createServer, request as httpRequest } from 'node:http';
import { URLSearchParams } from 'node:url';
import { closeServer, listenOnLoopback } from './listen.js';

/**
 * @typedef {object} RecordedRequest
 * @property {string} action  the STS action (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity, …)
 * @property {Record<string, string>} params  the form parameters as sent
 * @property {Record<string, string>} tags  session tags, Tags.member.N.Key → Value
 * @property {string[]} transitiveTagKeys
 * @property {boolean} signed  whether it carried a SigV4 Authorization header
 * @property {string | undefined} signingKeyId  the access key id it was signed with
 * @property {number} status  moto's HTTP status
 * @property {string} response  moto's answer (it may hold credentials: never print it)
 */

/**
 * @typedef {object} RecordingProxy
 * @property {string} url
 * @property {RecordedRequest[]} requests  in the order they arrived
 * @property {() => void} clear
 * @property {() => Promise<void>} stop
 */

/**
 * @param {string} targetUrl  moto's base URL
 * @returns {Promise<RecordingProxy>}
 */
export async function startRecordingProxy(targetUrl) {
  const target = new URL(targetUrl);
  /** @type {RecordedRequest[]} */
  const requests = [];
  const server = createServer(async (incoming, outgoing) => {
    const fail = (/** @type {Error} */ error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`recording proxy: ${error.message}`);
    };
    const body = await readAll(incoming).catch(fail);
    if (body === undefined) return;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        timeout: 15_000,
      },
      async (answer) => {
        const responseBody = await readAll(answer).catch(fail);
        if (responseBody === undefined) return;
        requests.push(record(body.toString('utf8'), incoming.headers, answer.statusCode ?? 0, responseBody));
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        outgoing.end(responseBody);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('moto did not answer within 15 s')));
    upstream.on('error', fail);
    upstream.end(body);
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    requests,
    clear: () => requests.splice(0),
    stop: () => closeServer(server),
  };
}

/**
 * @param {AsyncIterable<Buffer>} stream
 * @returns {Promise<Buffer>}
 */
async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * @param {string} body
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @param {number} status
 * @param {Buffer} response
 * @returns {RecordedRequest}
 */
function record(body, headers, status, response) {
  const params = Object.fromEntries(new URLSearchParams(body));
  /** @type {Record<string, string>} */
  const tags = {};
  for (let n = 1; params[`Tags.member.${n}.Key`] !== undefined; n++) {
    tags[params[`Tags.member.${n}.Key`] ?? ''] = params[`Tags.member.${n}.Value`] ?? '';
  }
  const transitiveTagKeys = Object.keys(params)
    .filter((name) => name.startsWith('TransitiveTagKeys.member.'))
    .map((name) => params[name] ?? '');
  const authorization = headers.authorization;
  return {
    action: params.Action ?? '',
    params,
    tags,
    transitiveTagKeys,
    signed: authorization !== undefined,
    signingKeyId: /Credential=([^/]+)\//.exec(authorization ?? '')?.[1],
    status,
    response: response.toString('utf8'),
  };
}
