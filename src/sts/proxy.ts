/**
 * The proxy to reach the `endpoint` URL through: the http-proxy input, else HTTPS_PROXY/HTTP_PROXY from the
 * environment; none when the endpoint matches no-proxy (input, else NO_PROXY).
 */
export function proxyFor(
  endpoint: string,
  { httpProxy, noProxy }: { httpProxy: string | undefined; noProxy: readonly string[] },
  env: NodeJS.ProcessEnv,
): string | undefined {
  const proxy = httpProxy ?? environmentProxy(env)?.url;
  if (proxy === undefined) return undefined;
  const bypass = noProxy.length > 0 ? noProxy : (env.NO_PROXY ?? env.no_proxy ?? '').split(',');
  return bypass.some((pattern) => hostMatches(endpoint, pattern.trim())) ? undefined : proxy;
}

/** The variables a proxy comes from when http-proxy is not set, first set one winning (blank counts as unset). */
export const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/** The proxy the environment names, and its variable. */
export function environmentProxy(env: NodeJS.ProcessEnv): { url: string; variable: string } | undefined {
  const variable = PROXY_VARIABLES.find((name) => (env[name] ?? '').trim() !== '');
  return variable === undefined ? undefined : { url: (env[variable] as string).trim(), variable };
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
