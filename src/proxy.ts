import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

/**
 * The proxy to reach the `endpoint` URL through: the http-proxy input, else HTTPS_PROXY/HTTP_PROXY from the
 * environment; none when the endpoint matches no-proxy (input, else NO_PROXY).
 */
export function proxyFor(
  endpoint: string,
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
  return bypass.some((pattern) => hostMatches(endpoint, pattern.trim())) ? undefined : proxy;
}

/**
 * no_proxy matching as curl does it: `*`, an exact host, or a domain suffix (`.amazonaws.com` or
 * `amazonaws.com`), each optionally with a port (`sts.example.test:8443`), which must then be the endpoint's
 * (443 for https and 80 for http when the URL names none).
 */
export function hostMatches(endpoint: string, pattern: string): boolean {
  if (pattern === '') return false;
  if (pattern === '*') return true;
  const url = new URL(endpoint);
  const [, name = '', port] = /^(.*?)(?::(\d+))?$/.exec(pattern.replace(/^\*?\./, '').toLowerCase()) ?? [];
  if (port !== undefined && port !== (url.port || (url.protocol === 'http:' ? '80' : '443'))) return false;
  const host = url.hostname.toLowerCase();
  return host === name || host.endsWith(`.${name}`);
}

/** Agents that send the SDK's requests through the proxy. */
export function proxyAgents(proxy: string): {
  httpAgent: HttpProxyAgent<string>;
  httpsAgent: HttpsProxyAgent<string>;
} {
  return { httpAgent: new HttpProxyAgent(proxy), httpsAgent: new HttpsProxyAgent(proxy) };
}
