// The STS connection opened early (src/sts/warm-connection.ts): the first request through the agent takes the
// connection that is already open; one that closed before it is used is dropped, and the request opens its own.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WarmAgent } from '../../src/sts/warm-connection.js';
import { makePki } from '../../scripts/bench/network.js';

let pki: ReturnType<typeof makePki>;
let server: Server;
let url: string;
const connections: TLSSocket[] = [];

beforeAll(async () => {
  pki = makePki();
  server = createServer({ key: pki.key, cert: pki.cert }, (_request, response) => response.end('ok'));
  server.on('secureConnection', (socket: TLSSocket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  pki.dispose();
});

const agentFor = () => new WarmAgent({ keepAlive: true, ca: readFileSync(pki.caFile, 'utf8') });
const fetchWith = (agent: WarmAgent) =>
  new Promise<string>((resolve, reject) => {
    get(url, { agent }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
const until = async (done: () => boolean) => {
  for (let waited = 0; !done() && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
};

describe('WarmAgent', () => {
  it('opens the connection before any request, and the first request uses it', async () => {
    connections.splice(0);
    const agent = agentFor();
    agent.warm(url);
    await until(() => connections.length === 1);
    expect(connections).toHaveLength(1);

    expect(await fetchWith(agent)).toBe('ok');
    expect(connections).toHaveLength(1);
    agent.destroy();
  });

  it('drops a warm connection that closed before it was used: the request opens its own', async () => {
    connections.splice(0);
    const agent = agentFor();
    agent.warm(url);
    await until(() => connections.length === 1);
    connections[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));

    expect(await fetchWith(agent)).toBe('ok');
    expect(connections).toHaveLength(2);
    agent.destroy();
  });

  it('opens nothing for plain http or a URL it cannot read', async () => {
    connections.splice(0);
    const agent = agentFor();
    agent.warm(url.replace('https:', 'http:'));
    agent.warm('not a url');
    await new Promise((r) => setTimeout(r, 50));
    expect(connections).toHaveLength(0);
    agent.destroy();
  });
});
