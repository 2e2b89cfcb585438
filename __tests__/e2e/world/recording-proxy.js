// A recording proxy in front of moto, given to the action as sts-endpoint: it forwards every request unchanged
// (Host included, so SigV4 signatures still verify) and records what the action asked STS for. Per test it can
// also misbehave the way STS and networks do: a queue of faults (an AWS error, a cut-off or unparseable answer,
// a reset connection, one held open) for the next requests, and a rate limit that throttles the rest.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';
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
 * @property {string} userAgent  the SDK's `x-amz-user-agent` and `user-agent` headers, in that order, joined
 *   by a space ('' when it sent neither): the action's name, md/ metadata, exec-env and app tokens are in them
 * @property {number} status  the HTTP status the action got (0: none, the connection was reset or held)
 * @property {string} response  moto's answer, or the injected one; for a `truncated` fault moto's whole
 *   answer (it may hold credentials: never print it)
 * @property {Fault['kind'] | 'rate-limit' | undefined} fault  what the proxy did instead of passing it through
 * @property {number} at  when it arrived (Date.now())
 */

/**
 * @typedef {{ kind: 'error', status: number, code: string, message?: string, type?: 'Sender' | 'Receiver' }
 *   | { kind: 'body', status: number, body: string, contentType?: string }
 *   | { kind: 'truncated', keep?: number }
 *   | { kind: 'reset' }
 *   | { kind: 'hold' }} FaultKind
 *   `error`: an STS error answer in the Query protocol's XML; `body`: any answer; `truncated`: moto's real answer
 *   cut to its first `keep` (default 0.5) part, Content-Length matching; `reset`: the socket is destroyed
 *   without an answer; `hold`: the connection stays open, unanswered, until the client gives up.
 */

/**
 * @typedef {FaultKind & { action?: string }} Fault  with `action` (AssumeRole, GetCallerIdentity, …) the fault
 *   waits for the next request of that STS action and lets others pass: two actions that make different
 *   calls before it (the reference validates source keys first) then meet it at the same call
 */

/**
 * @typedef {object} RecordingProxy
 * @property {string} url
 * @property {RecordedRequest[]} requests  in the order they arrived
 * @property {() => void} clear  forgets the recorded requests
 * @property {(...faults: Fault[]) => void} injectFaults  the next requests get these, one each, in order (a
 *   fault naming an action only a request of that action); later ones pass through again
 * @property {() => number} pendingFaults  faults not used yet
 * @property {(count: number) => void} gatherAnswers  the next `count` requests passed to moto get their answers
 *   all at once, when the last of them has its answer (or 10 s after the first): steps started together then
 *   go on from that point together, to meet at what they do next (writing the same files, say)
 * @property {(perSecond: number | undefined) => void} limitRate  at most this many requests in any second pass
 *   (to moto or to a fault); the others get STS's `Throttling: Rate exceeded`; undefined lifts the limit
 * @property {() => void} reset  forgets requests, pending faults and the rate limit
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
  /** @type {Fault[]} */
  const faults = [];
  /** @type {number | undefined} */
  let perSecond;
  /** @type {Gathering | undefined} */
  let gathering;
  /** Arrival times of the requests the rate limit let through in the last second. */
  /** @type {number[]} */
  let admitted = [];

  /** @returns {boolean} whether a request arriving now is within the rate limit */
  const admit = () => {
    if (perSecond === undefined) return true;
    const now = Date.now();
    admitted = admitted.filter((at) => now - at < 1000);
    if (admitted.length >= perSecond) return false;
    admitted.push(now);
    return true;
  };

  const server = createServer(async (incoming, outgoing) => {
    const at = Date.now();
    const overLimit = !admit();
    const fail = (/** @type {Error} */ error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`recording proxy: ${error.message}`);
    };
    const body = await readAll(incoming).catch(fail);
    if (body === undefined) return;
    const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
    const fault = overLimit ? undefined : takeFault(faults, action);
    /** @type {(status: number, response: string | Buffer, how?: RecordedRequest['fault']) => void} */
    const keep = (status, response, how) =>
      requests.push({ ...record(body.toString('utf8'), incoming.headers, status, response), fault: how, at });

    if (overLimit) {
      const answer = errorXml('Throttling', 'Rate exceeded', 'Sender');
      keep(400, answer, 'rate-limit');
      return sendXml(outgoing, 400, answer);
    }
    if (fault?.kind === 'error') {
      const answer = errorXml(fault.code, fault.message ?? `Injected ${fault.code}`, fault.type ?? 'Sender');
      keep(fault.status, answer, fault.kind);
      return sendXml(outgoing, fault.status, answer);
    }
    if (fault?.kind === 'body') {
      keep(fault.status, fault.body, fault.kind);
      outgoing.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/xml' });
      return outgoing.end(fault.body);
    }
    if (fault?.kind === 'reset') {
      keep(0, '', fault.kind);
      return incoming.socket.destroy();
    }
    if (fault?.kind === 'hold') {
      // Never answered: the client's own timeout (or the proxy's stop) ends the connection.
      keep(0, '', fault.kind);
      return;
    }

    // A member of the gathering waits, answer in hand, for the others.
    const gathered = gathering;
    if (gathered !== undefined && --gathered.members === 0) gathering = undefined;
    /** @param {() => void} send */
    const whenGathered = (send) => {
      if (gathered === undefined) return send();
      gathered.ready.push(send);
      if (gathered.ready.length === gathered.count) release(gathered);
      else gathered.timer ??= setTimeout(() => release(gathered), 10_000);
    };

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
        const status = answer.statusCode ?? 502;
        if (fault?.kind === 'truncated') {
          keep(status, responseBody, fault.kind);
          const cut = responseBody.subarray(0, Math.floor(responseBody.length * (fault.keep ?? 0.5)));
          const headers = { ...answer.headers, 'content-length': String(cut.length) };
          delete headers['transfer-encoding'];
          outgoing.writeHead(status, headers);
          return outgoing.end(cut);
        }
        whenGathered(() => {
          keep(status, responseBody, undefined);
          outgoing.writeHead(status, answer.headers);
          outgoing.end(responseBody);
        });
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('moto did not answer within 15 s')));
    upstream.on('error', fail);
    upstream.end(body);
  });
  const url = await listenOnLoopback(server);
  const clear = () => {
    requests.splice(0);
  };
  return {
    url,
    requests,
    clear,
    injectFaults: (...more) => {
      faults.push(...more);
    },
    pendingFaults: () => faults.length,
    gatherAnswers: (count) => {
      gathering = { count, members: count, ready: [], timer: undefined };
    },
    limitRate: (limit) => {
      perSecond = limit;
      admitted = [];
    },
    reset: () => {
      clear();
      faults.splice(0);
      perSecond = undefined;
      admitted = [];
      gathering = undefined;
    },
    stop: () => closeServer(server),
  };
}

/**
 * @typedef {object} Gathering  requests whose answers go out together
 * @property {number} count  how many
 * @property {number} members  how many more requests join it
 * @property {(() => void)[]} ready  the answers in hand, each sent when called
 * @property {NodeJS.Timeout | undefined} timer  releases them anyway, should some never come
 */

/** Sends every answer the gathering holds. @param {Gathering} gathered */
function release(gathered) {
  clearTimeout(gathered.timer);
  for (const send of gathered.ready.splice(0)) send();
}

/**
 * Removes and returns the first pending fault for a request of this STS action: the first one that names no
 * action or names this one.
 * @param {Fault[]} faults
 * @param {string} action
 * @returns {Fault | undefined}
 */
function takeFault(faults, action) {
  const index = faults.findIndex((fault) => fault.action === undefined || fault.action === action);
  return index === -1 ? undefined : faults.splice(index, 1)[0];
}

/**
 * An STS error answer as AWS sends it (Query protocol).
 * @param {string} code
 * @param {string} message
 * @param {'Sender' | 'Receiver'} type
 */
export function errorXml(code, message, type) {
  return (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
    `<Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
    `<RequestId>${randomUUID()}</RequestId></ErrorResponse>\n`
  );
}

/**
 * @param {import('node:http').ServerResponse} outgoing
 * @param {number} status
 * @param {string} xml
 */
function sendXml(outgoing, status, xml) {
  outgoing.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  outgoing.end(xml);
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
 * @param {Buffer | string} response
 * @returns {Omit<RecordedRequest, 'fault' | 'at'>}
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
  const userAgent = [headers['x-amz-user-agent'], headers['user-agent']]
    .flatMap((value) => (value === undefined ? [] : [value].flat()))
    .join(' ');
  return {
    action: params.Action ?? '',
    params,
    tags,
    transitiveTagKeys,
    signed: authorization !== undefined,
    signingKeyId: /Credential=([^/]+)\//.exec(authorization ?? '')?.[1],
    userAgent,
    status,
    response: response.toString('utf8'),
  };
}
