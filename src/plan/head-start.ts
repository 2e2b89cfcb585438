import type { Config } from '../inputs/config.js';
import { chooseSource } from '../sources/choose.js';
import { stsEndpointUrl } from '../sts/endpoint.js';
import { proxyFor } from '../sts/proxy.js';
import { warmAgentFor } from '../sts/warm-connection.js';

// The round trips every run needs whatever comes next, started the moment the inputs are checked and before the
// AWS SDK is loaded: the step's time goes mostly into waiting on the network, and loading the SDK is time the
// network can use. The TLS connection to STS opens now (not through a proxy; the agent the STS client uses later
// takes it), and for GitHub OIDC the first ID-token request goes out now; the flow takes its answer (or its
// error, handled as any attempt's) when it asks for the token. Nothing is started for a source the inputs don't
// already settle (use-existing-credentials first asks STS whether the job's credentials work).

/** What the head start began; the flow takes from it. */
export interface HeadStart {
  /** The ID-token request already under way for `audience`, once; undefined when there is none (or it was taken). */
  takeIdToken(audience: string): Promise<string> | undefined;
}

/**
 * Starts the STS connection and, for GitHub OIDC, the ID-token request; resolves once both are on the wire.
 * Node queues a socket's connect for the event loop, and loading a module next would hold the thread (tens of
 * ms) before the queue runs: one turn of the loop first sends the connects, and the handshakes go on meanwhile.
 */
export async function headStart(
  config: Config,
  env: NodeJS.ProcessEnv,
  getIDToken: (audience: string, signal: AbortSignal) => Promise<string>,
  signal: AbortSignal,
): Promise<HeadStart> {
  const endpoint = stsEndpointUrl(config, env);
  if (proxyFor(endpoint, config, env) === undefined) warmAgentFor(endpoint).warm(endpoint);
  let token: { audience: string; promise: Promise<string> } | undefined;
  if (!config.useExistingCredentials && oidcChosen(config, env)) {
    const promise = getIDToken(config.audience, signal);
    // Its failure is the flow's to report when it takes the answer; until then it must not count as unhandled.
    promise.catch(() => undefined);
    token = { audience: config.audience, promise };
  }
  await new Promise((resolve) => setImmediate(resolve));
  return {
    takeIdToken(audience) {
      if (token === undefined || token.audience !== audience) return undefined;
      const { promise } = token;
      token = undefined;
      return promise;
    },
  };
}

/** Whether the flow will ask GitHub for a token; a choice that fails is the flow's to report, not this one's. */
function oidcChosen(config: Config, env: NodeJS.ProcessEnv): boolean {
  try {
    return chooseSource(config, env).kind === 'github-oidc';
  } catch {
    return false;
  }
}
