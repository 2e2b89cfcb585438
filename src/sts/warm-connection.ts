import { Agent, type AgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';

// The STS connection, opened early: a step's time goes mostly into round trips, and the TCP and TLS handshakes
// with STS (two round trips) need nothing from the request. The client's agent gets a TLS connection started the
// moment the client exists, so the handshakes overlap the GitHub token request and the SDK's own first-request
// work; the first request then finds the connection ready. A connection that fails or closes before it is used is
// dropped, and the request opens its own as it always did. The main step starts it before the AWS SDK is even
// loaded (src/plan/head-start.ts): one agent per endpoint, shared by every client that talks to it, so the
// connection opened early is the one the first request takes, and later clients reuse it (one per host).

const agents = new Map<string, WarmAgent>();

/** The process's agent for STS requests to `endpoint` (one per origin; keep-alive). */
export function warmAgentFor(endpoint: string): WarmAgent {
  let origin: string;
  try {
    origin = new URL(endpoint).origin;
  } catch {
    origin = endpoint;
  }
  let agent = agents.get(origin);
  if (agent === undefined) {
    agent = new WarmAgent({ keepAlive: true });
    agents.set(origin, agent);
  }
  return agent;
}

/** An https.Agent whose first connection to `host:port` may already be under way. */
export class WarmAgent extends Agent {
  #warm: { key: string; socket: TLSSocket } | undefined;
  /** Endpoints already warmed: a second warm() finds the connection open, or taken and kept alive. */
  readonly #warmed = new Set<string>();

  constructor(options: AgentOptions) {
    super(options);
  }

  /** Starts the TLS connection to the endpoint now (https only, once per endpoint; nothing for http or a bad URL). */
  warm(endpoint: string): void {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return;
    }
    if (url.protocol !== 'https:') return;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 443);
    if (this.#warmed.has(`${host}:${port}`)) return;
    this.#warmed.add(`${host}:${port}`);
    const socket = connect({
      // The agent's own TLS options (a CA, say), as its other connections get them.
      ...(this as unknown as { options: AgentOptions }).options,
      host,
      port,
      ...(isIp(host) ? {} : { servername: host }),
      ALPNProtocols: ['http/1.1'],
    });
    const drop = () => {
      if (this.#warm?.socket === socket) this.#warm = undefined;
    };
    socket.on('error', drop);
    socket.once('close', drop);
    // Not to keep the process alive by itself: a step that ends before using it just ends.
    socket.unref();
    this.#warm = { key: `${host}:${port}`, socket };
  }

  override createConnection(
    options: { host?: string | null; hostname?: string | null; port?: number | string | null },
    callback?: (error: Error | null, socket: Socket) => void,
  ): Socket | undefined {
    const warm = this.#warm;
    const host = String(options.host ?? options.hostname ?? '').replace(/^\[|\]$/g, '');
    if (
      warm !== undefined &&
      warm.key === `${host}:${Number(options.port || 443)}` &&
      !warm.socket.destroyed
    ) {
      this.#warm = undefined;
      warm.socket.ref();
      return warm.socket;
    }
    // @ts-expect-error https.Agent's createConnection is not in its public type, but it is what the agent calls.
    return super.createConnection(options, callback) as Socket | undefined;
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
