import type { Agent, AgentOptions } from 'node:https';
import { connect as connectTcp, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

// The STS connection, opened early: a step's time goes mostly into round trips, and the TCP and TLS handshakes
// with STS (two round trips) need nothing from the request. The client's agent gets a TLS connection started the
// moment the client exists, so the handshakes overlap the GitHub token request and the SDK's own first-request
// work; the first request then finds the connection ready. A connection that fails or closes before it is used is
// dropped, and the request opens its own as it always did. The main step starts it before the AWS SDK is even
// loaded (src/plan/head-start.ts): one agent per endpoint, shared by every client that talks to it, so the
// connection opened early is the one the first request takes, and later clients reuse it (one per host).
//
// The TCP connect goes out before Node's TLS, HTTPS and crypto modules are loaded (tens of ms of a step's
// start-up): they load while the SYN is on its way, and TLS starts on that socket once it is connected. So this
// module, and the entry that imports it, load them only when an agent is made.

/** An https.Agent whose first connection to `host:port` may already be under way. */
export interface WarmAgent extends Agent {
  /**
   * Starts the TLS connection to the endpoint now (https only, once per endpoint; nothing for http or a bad
   * URL), on `tcp` when given: a TCP connection to the endpoint's host and port opened just before.
   */
  warm(endpoint: string, tcp?: Socket): void;
}

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
    agent = newWarmAgent({ keepAlive: true });
    agents.set(origin, agent);
  }
  return agent;
}

/**
 * Opens the connection to an https endpoint the step is about to use: the TCP connect first, then the agent
 * (loading TLS and HTTPS meanwhile), which starts TLS on that socket. Once per endpoint, as warm() is; resolves
 * once the TLS connection is under way.
 */
export async function warmEndpoint(endpoint: string): Promise<void> {
  const target = httpsTarget(endpoint);
  if (target === undefined) return;
  const existing = agents.get(target.origin);
  if (existing !== undefined) {
    existing.warm(endpoint);
    return;
  }
  const tcp = connectTcp({ host: target.host, port: target.port });
  // Not to keep the process alive by itself, before TLS takes it over and if the agent is never used.
  tcp.unref();
  tcp.on('error', () => undefined);
  // Node sends the SYN from its tick queue (for an IP; a host name is looked up first, off the thread): one turn
  // of the event loop lets it go before loading TLS holds the thread.
  await new Promise<void>((resolve) => setImmediate(resolve));
  warmAgentFor(endpoint).warm(endpoint, tcp);
}

/** A new WarmAgent; its class is made on first use, when node:https is loaded. */
export function newWarmAgent(options: AgentOptions): WarmAgent {
  return new (warmAgentClass())(options);
}

let warmAgentClassMade: (new (options: AgentOptions) => WarmAgent) | undefined;

function warmAgentClass(): new (options: AgentOptions) => WarmAgent {
  if (warmAgentClassMade !== undefined) return warmAgentClassMade;
  const { Agent: HttpsAgent } = process.getBuiltinModule('node:https');
  const { connect: connectTls } = process.getBuiltinModule('node:tls');

  class WarmAgentImpl extends HttpsAgent implements WarmAgent {
    #warm: { key: string; socket: TLSSocket } | undefined;
    /** Endpoints already warmed: a second warm() finds the connection open, or taken and kept alive. */
    readonly #warmed = new Set<string>();

    warm(endpoint: string, tcp?: Socket): void {
      const target = httpsTarget(endpoint);
      if (target === undefined || this.#warmed.has(target.key)) {
        tcp?.destroy();
        return;
      }
      const { host, port, key } = target;
      this.#warmed.add(key);
      const socket = connectTls({
        // The agent's own TLS options (a CA, say), as its other connections get them.
        ...(this as unknown as { options: AgentOptions }).options,
        host,
        port,
        ...(tcp !== undefined && { socket: tcp }),
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
      this.#warm = { key, socket };
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
  warmAgentClassMade = WarmAgentImpl;
  return WarmAgentImpl;
}

/** Host, port and origin of an https:// endpoint; undefined for http or a bad URL. */
function httpsTarget(
  endpoint: string,
): { host: string; port: number; key: string; origin: string } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return { host, port, key: `${host}:${port}`, origin: url.origin };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
