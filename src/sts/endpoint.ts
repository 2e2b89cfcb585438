// Where STS requests go, worked out from the inputs and the environment alone: the main step knows (and logs,
// and opens a connection to) the endpoint before the AWS SDK is loaded.
import type { Config } from '../inputs/config.js';

/** The inputs the STS client is made from (the refresh process has these without the rest of Config). */
export type StsSettings = Pick<
  Config,
  'region' | 'partition' | 'stsEndpoint' | 'httpProxy' | 'noProxy' | 'disableRetry' | 'retryMaxAttempts'
>;

/** Where the STS endpoint comes from, as the log names it. */
export type EndpointSource =
  'sts-endpoint input' | 'AWS_ENDPOINT_URL_STS' | 'AWS_ENDPOINT_URL' | "the region's default";

/**
 * The STS endpoint the client talks to, and where it came from: sts-endpoint, else AWS_ENDPOINT_URL_STS or
 * AWS_ENDPOINT_URL (which every AWS SDK honours, so an earlier step's value applies here as in later steps),
 * else the region's regional endpoint.
 */
export function stsEndpoint(
  config: StsSettings,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; source: EndpointSource } {
  // The SDK would also honour the two variables; naming the endpoint here keeps logs, errors and the proxy true.
  if (config.stsEndpoint !== undefined) return { url: config.stsEndpoint, source: 'sts-endpoint input' };
  if (env.AWS_ENDPOINT_URL_STS) return { url: env.AWS_ENDPOINT_URL_STS, source: 'AWS_ENDPOINT_URL_STS' };
  if (env.AWS_ENDPOINT_URL) return { url: env.AWS_ENDPOINT_URL, source: 'AWS_ENDPOINT_URL' };
  return {
    url: `https://sts.${config.region}.${config.partition.dnsSuffix}`,
    source: "the region's default",
  };
}

/** The STS endpoint's URL (see stsEndpoint). */
export function stsEndpointUrl(config: StsSettings, env: NodeJS.ProcessEnv = process.env): string {
  return stsEndpoint(config, env).url;
}

/** Host names of AWS STS endpoints, in every partition. */
const AWS_HOSTS =
  /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov|amazonaws\.eu)$/i;

/** Whether a URL's host is one of AWS's (a test server, a proxy or another host is not). */
export function isAwsHost(url: string): boolean {
  try {
    return AWS_HOSTS.test(new URL(url).hostname);
  } catch {
    return false;
  }
}
