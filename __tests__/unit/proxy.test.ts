import { describe, expect, it } from '@jest/globals';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { hostMatches, proxyFor } from '../../src/sts/proxy.js';
import { proxyAgents } from '../../src/sts/client.js';

const HOST = 'sts.us-east-1.amazonaws.com';
const ENDPOINT = `https://${HOST}`;
const INPUT = 'http://input-proxy:3128';
const noInputs = { httpProxy: undefined, noProxy: [] };

describe('proxyFor: which proxy', () => {
  it.each<[string, string | undefined, NodeJS.ProcessEnv, string | undefined]>([
    ['no proxy anywhere', undefined, {}, undefined],
    ['the http-proxy input', INPUT, {}, INPUT],
    [
      'the input over the environment',
      INPUT,
      { HTTPS_PROXY: 'http://env:1', HTTP_PROXY: 'http://env:2' },
      INPUT,
    ],
    ['HTTPS_PROXY', undefined, { HTTPS_PROXY: 'http://https-proxy:1' }, 'http://https-proxy:1'],
    ['https_proxy', undefined, { https_proxy: 'http://https-proxy:1' }, 'http://https-proxy:1'],
    [
      'HTTP_PROXY when HTTPS_PROXY is unset',
      undefined,
      { HTTP_PROXY: 'http://http-proxy:2' },
      'http://http-proxy:2',
    ],
    [
      'http_proxy when HTTPS_PROXY is unset',
      undefined,
      { http_proxy: 'http://http-proxy:2' },
      'http://http-proxy:2',
    ],
    [
      'HTTPS_PROXY over HTTP_PROXY',
      undefined,
      { HTTP_PROXY: 'http://http-proxy:2', HTTPS_PROXY: 'http://https-proxy:1' },
      'http://https-proxy:1',
    ],
    ['none when HTTPS_PROXY is empty', undefined, { HTTPS_PROXY: '' }, undefined],
    [
      'HTTP_PROXY when HTTPS_PROXY is empty',
      undefined,
      { HTTPS_PROXY: '', HTTP_PROXY: 'http://h:2' },
      'http://h:2',
    ],
  ])('%s', (_what, httpProxy, env, expected) => {
    expect(proxyFor(ENDPOINT, { httpProxy, noProxy: [] }, env)).toBe(expected);
  });
});

describe('proxyFor: no-proxy', () => {
  const env = { HTTPS_PROXY: 'http://env-proxy:3128' };

  it('skips the proxy for hosts in the no-proxy input', () => {
    expect(proxyFor(ENDPOINT, { httpProxy: INPUT, noProxy: ['.amazonaws.com'] }, {})).toBeUndefined();
  });

  it('skips the proxy for hosts in NO_PROXY when the input is not set', () => {
    expect(proxyFor(ENDPOINT, noInputs, { ...env, NO_PROXY: 'localhost, .amazonaws.com' })).toBeUndefined();
    expect(proxyFor(ENDPOINT, noInputs, { ...env, no_proxy: 'amazonaws.com' })).toBeUndefined();
  });

  it('uses the no-proxy input instead of NO_PROXY', () => {
    const noProxy = ['internal.example.com'];
    expect(proxyFor(ENDPOINT, { httpProxy: undefined, noProxy }, { ...env, NO_PROXY: '*' })).toBe(
      env.HTTPS_PROXY,
    );
  });

  it('keeps the proxy for hosts NO_PROXY does not name', () => {
    expect(proxyFor(ENDPOINT, noInputs, { ...env, NO_PROXY: 'localhost,,example.com' })).toBe(
      env.HTTPS_PROXY,
    );
  });
});

describe('hostMatches', () => {
  it.each<[string, string, boolean]>([
    // exact host
    [ENDPOINT, HOST, true],
    [ENDPOINT, 'STS.US-EAST-1.AMAZONAWS.COM', true],
    ['https://STS.us-east-1.amazonaws.com', HOST, true],
    // domain suffix, with or without a leading dot or *.
    [ENDPOINT, 'amazonaws.com', true],
    [ENDPOINT, '.amazonaws.com', true],
    [ENDPOINT, '*.amazonaws.com', true],
    ['https://amazonaws.com', '.amazonaws.com', true],
    ['https://notamazonaws.com', 'amazonaws.com', false],
    ['https://notamazonaws.com', '.amazonaws.com', false],
    ['https://amazonaws.com.evil.example', 'amazonaws.com', false],
    [ENDPOINT, 'us-east-1.amazonaws', false],
    // everything
    [ENDPOINT, '*', true],
    // a port must be the endpoint's: given, or 443 for https and 80 for http
    [ENDPOINT, `${HOST}:443`, true],
    [ENDPOINT, '.amazonaws.com:443', true],
    [ENDPOINT, `${HOST}:8443`, false],
    ['https://sts.example.test:8443', 'sts.example.test:8443', true],
    ['https://sts.example.test:8443', 'sts.example.test:443', false],
    ['https://sts.example.test:8443', 'sts.example.test', true],
    ['http://sts.example.test', 'sts.example.test:80', true],
    ['http://sts.example.test', 'sts.example.test:443', false],
    // nothing
    [ENDPOINT, '', false],
    [ENDPOINT, 'localhost', false],
  ])('%s matches %j: %s', (endpoint, pattern, expected) => {
    expect(hostMatches(endpoint, pattern)).toBe(expected);
  });
});

describe('proxyAgents', () => {
  it('gives the SDK an agent for http and one for https targets', async () => {
    const { httpAgent, httpsAgent } = await proxyAgents('http://proxy:3128');
    expect(httpAgent).toBeInstanceOf(HttpProxyAgent);
    expect(httpsAgent).toBeInstanceOf(HttpsProxyAgent);
    expect(httpsAgent.proxy.host).toBe('proxy:3128');
  });
});
