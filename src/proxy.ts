import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

/**
 * The proxy to reach `endpointHost` through: the http-proxy input, else HTTPS_PROXY/HTTP_PROXY from the
 * environment; none when the host matches no-proxy (input, else NO_PROXY).
 */
export function proxyFor(
  endpointHost: string,
  { httpProxy, noProxy }: { httpProxy: string | undefined; noProxy: readonly string[] },
  env: NodeJS.ProcessEnv,
): string | undefined {
  const proxy =
    httpProxy ??
    [env.HTTPS_PROXY, env.https_proxy, env.HTTP_PROXY, env.http_proxy].find(
      (value) => value !== undefined && value !== '',
    );
  if (proxy === undefined) return undefined;
  const bypass = noProxy.length > 0 ? noProxy : (env.NO_PROXY ?? env.no_proxy ?? '').split(',');
  return bypass.some((pattern) => hostMatches(endpointHost, pattern.trim())) ? undefined : proxy;
}

/** no_proxy matching as curl does it: `*`, an exact host, or a domain suffix (`.amazonaws.com` or `amazonaws.com`). */
export function hostMatches(host: string, pattern: string): boolean {
  if (pattern === '') return false;
  if (pattern === '*') return true;
  const bare = pattern
    .replace(/^\*?\./, '')
    .replace(/:\d+$/, '')
    .toLowerCase();
  const h = host.toLowerCase();
  return h === bare || h.endsWith(`.${bare}`);
}

/** Agents that send the SDK's requests through the proxy. */
export function proxyAgents(proxy: string): {
  httpAgent: HttpProxyAgent<string>;
  httpsAgent: HttpsProxyAgent<string>;
} {
  return { httpAgent: new HttpProxyAgent(proxy), httpsAgent: new HttpsProxyAgent(proxy) };
}
