import { describe, expect, it } from '@jest/globals';
import { readConfig } from '../../src/inputs/config.js';
import { endpointWarning, networkNotes } from '../../src/sts/network-notes.js';
import { isAwsHost } from '../../src/sts/client.js';
import { inputsFrom } from './fixtures/inputs.js';

// Where the requests go is said on every run, with what in the environment decided it.

const config = (inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) =>
  readConfig(inputsFrom({ 'aws-region': 'eu-west-1', ...inputs }), env);
const notes = (inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) =>
  networkNotes(config(inputs, env), env);

describe('networkNotes: the endpoint', () => {
  it.each([
    [{}, {}, "STS endpoint: https://sts.eu-west-1.amazonaws.com (the region's default)"],
    [
      { 'sts-endpoint': 'http://localhost:4566' },
      { AWS_ENDPOINT_URL_STS: 'https://x.example' },
      'STS endpoint: http://localhost:4566 (sts-endpoint input)',
    ],
    [
      {},
      { AWS_ENDPOINT_URL_STS: 'https://sts.example.test', AWS_ENDPOINT_URL: 'https://all.example.test' },
      'STS endpoint: https://sts.example.test (AWS_ENDPOINT_URL_STS)',
    ],
    [
      {},
      { AWS_ENDPOINT_URL: 'https://all.example.test' },
      'STS endpoint: https://all.example.test (AWS_ENDPOINT_URL)',
    ],
    [
      {},
      { AWS_USE_FIPS_ENDPOINT: 'true' },
      "STS endpoint: https://sts.eu-west-1.amazonaws.com (the region's default); AWS_USE_FIPS_ENDPOINT: the SDK uses that variant of it",
    ],
  ])('with inputs %j and env %j: %s', (inputs, env, line) => {
    const result = notes(inputs, env);
    expect(result.info[0]).toBe(line);
  });

  it('warns when a variable sends the requests to a host that is not AWS: the token, or the signed requests', () => {
    const env = { AWS_ENDPOINT_URL_STS: 'https://collector.example.test:8443/sts' };
    expect(endpointWarning(config({}, env), env, true)).toMatch(
      /^AWS_ENDPOINT_URL_STS sends the STS requests to collector\.example\.test:8443, which is not an AWS STS host, and the web identity token goes there with them\./,
    );
    expect(endpointWarning(config({}, env), env, false)).toMatch(
      /which is not an AWS STS host, and it sees the signed requests \(each could be sent on to AWS within minutes\)\./,
    );
    expect(notes({}, env).warnings).toEqual([]);
  });

  it('does not warn for an AWS host from a variable, nor for the sts-endpoint input', () => {
    const aws = { AWS_ENDPOINT_URL_STS: 'https://sts-fips.us-east-1.amazonaws.com' };
    expect(endpointWarning(config({}, aws), aws, true)).toBeUndefined();
    expect(endpointWarning(config({ 'sts-endpoint': 'http://127.0.0.1:4566' }), {}, true)).toBeUndefined();
  });
});

describe('networkNotes: proxy, certificates and Node', () => {
  it('names the proxy and where it came from, never its password', () => {
    expect(notes({ 'http-proxy': 'http://user:s3cret@proxy.internal:3128' }).info).toContain(
      'Proxy: http://***@proxy.internal:3128 (from the http-proxy input)',
    );
    expect(notes({}, { https_proxy: 'http://proxy.internal:3128' }).info).toContain(
      'Proxy: http://proxy.internal:3128 (from https_proxy)',
    );
    expect(notes({}, { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.amazonaws.com' }).info).toHaveLength(1);
  });

  it('names AWS_CA_BUNDLE (not used by its own requests), NODE_EXTRA_CA_CERTS, and warns about NODE_OPTIONS', () => {
    const result = notes(
      {},
      {
        AWS_CA_BUNDLE: '/etc/ssl/corp.pem',
        NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
        NODE_OPTIONS: '--require /tmp/x.js',
      },
    );
    expect(result.info).toEqual([
      expect.stringContaining('STS endpoint:'),
      expect.stringMatching(
        /^AWS_CA_BUNDLE is set \("\/etc\/ssl\/corp\.pem"\): the AWS CLI and SDKs of later steps use it; this action's own requests trust Node's certificates/,
      ),
      'NODE_EXTRA_CA_CERTS is set ("/etc/ssl/corp.pem"): Node trusts those certificates for this action\'s requests too',
    ]);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^NODE_OPTIONS is set \("--require \/tmp\/x\.js"\): Node applied it before the action started/,
      ),
    ]);
  });
});

describe('isAwsHost', () => {
  it.each([
    ['https://sts.amazonaws.com', true],
    ['https://sts.cn-north-1.amazonaws.com.cn', true],
    ['https://sts.us-east-1.api.aws', true],
    ['https://vpce-1.sts.us-east-1.vpce.amazonaws.com', true],
    ['https://amazonaws.com.evil.example', false],
    ['https://evilamazonaws.com', false],
    ['http://127.0.0.1:4566', false],
    ['not a url', false],
  ])('%s: %s', (url, aws) => {
    expect(isAwsHost(url)).toBe(aws);
  });
});

describe('AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL', () => {
  it.each(['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'])(
    '%s must be an http(s) URL, checked before any request',
    (variable) => {
      expect(() => config({}, { [variable]: 'sts.example.test' })).toThrow(
        `${variable} must be an http:// or https:// URL, got "sts.example.test": the AWS SDKs send STS requests there when sts-endpoint is not set; fix or unset ${variable}`,
      );
    },
  );

  it('is not checked when the sts-endpoint input decides', () => {
    expect(() =>
      config({ 'sts-endpoint': 'https://sts.example.test' }, { AWS_ENDPOINT_URL: 'junk' }),
    ).not.toThrow();
  });
});
