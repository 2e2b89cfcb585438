import type { Config } from '../inputs/config.js';
import { environmentProxy, proxyFor } from './proxy.js';
import { isAwsHost, stsEndpoint } from './endpoint.js';
import { shown, withoutPassword } from '../inputs/parsers.js';

// What in the environment decides where the action's requests go, said in the log on every run: an earlier
// step can set AWS_ENDPOINT_URL_STS, a proxy or NODE_OPTIONS, and none of it may act unseen.

/** Lines for the log: `info` always, `warnings` for what can send secrets somewhere unexpected. */
export interface NetworkNotes {
  readonly endpoint: string;
  readonly info: readonly string[];
  readonly warnings: readonly string[];
}

/** The endpoint, the proxy and the TLS and Node settings in force, with where each came from. */
export function networkNotes(config: Config, env: NodeJS.ProcessEnv): NetworkNotes {
  const endpoint = stsEndpoint(config, env);
  const info = [`STS endpoint: ${endpoint.url} (${endpoint.source})`];
  const warnings: string[] = [];
  const fips = ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT'].filter(
    (name) => endpoint.source === "the region's default" && env[name]?.toLowerCase() === 'true',
  );
  if (fips.length > 0) info[0] += `; ${fips.join(' and ')}: the SDK uses that variant of it`;

  const proxy = proxyFor(endpoint.url, config, env);
  if (proxy !== undefined) info.push(`Proxy: ${withoutPassword(proxy)} (from ${proxySource(config, env)})`);
  if (env.AWS_CA_BUNDLE) {
    info.push(
      `AWS_CA_BUNDLE is set (${shown(env.AWS_CA_BUNDLE)}): the AWS CLI and SDKs of later steps use it; this action's own requests trust Node's certificates (add yours with NODE_EXTRA_CA_CERTS)`,
    );
  }
  if (env.NODE_EXTRA_CA_CERTS) {
    info.push(
      `NODE_EXTRA_CA_CERTS is set (${shown(env.NODE_EXTRA_CA_CERTS)}): Node trusts those certificates for this action's requests too`,
    );
  }
  if (env.NODE_OPTIONS) {
    warnings.push(
      `NODE_OPTIONS is set (${shown(env.NODE_OPTIONS)}): Node applied it before the action started (with --require or --import it runs code in this step). If an earlier step set it and it is not yours, unset it for this step.`,
    );
  }
  return { endpoint: endpoint.url, info, warnings };
}

/**
 * A warning when AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL (which an earlier step can set) sends the requests to a
 * host that is not AWS's: it gets the web identity token, or requests signed with the job's keys.
 */
export function endpointWarning(
  config: Config,
  env: NodeJS.ProcessEnv,
  webIdentity: boolean,
): string | undefined {
  const endpoint = stsEndpoint(config, env);
  if (endpoint.source === "the region's default" || endpoint.source === 'sts-endpoint input')
    return undefined;
  if (isAwsHost(endpoint.url)) return undefined;
  const what = webIdentity
    ? 'and the web identity token goes there with them'
    : 'and it sees the signed requests (each could be sent on to AWS within minutes)';
  return `${endpoint.source} sends the STS requests to ${hostOf(endpoint.url)}, which is not an AWS STS host, ${what}. An earlier step or the job's env set it; if that is intended, name the endpoint with the sts-endpoint input instead.`;
}

function proxySource(config: Config, env: NodeJS.ProcessEnv): string {
  if (config.httpProxy !== undefined) {
    const variable = config.inputVariables['http-proxy'];
    return variable === undefined ? 'the http-proxy input' : variable;
  }
  return environmentProxy(env)?.variable ?? 'the environment';
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
