// The secrets rule itself: it must catch a leak, or every scenario's check would pass for nothing.
import { describe, expect, it } from '@jest/globals';
import { credentialsIn, findLeaks, findUnmasked } from './leaks.js';

const secret = { name: 'session token', value: 'FQoGZXIvYXdzEXAMPLE' };

describe('findLeaks', () => {
  it('accepts a secret that appears only on its own ::add-mask:: line', () => {
    expect(findLeaks(`::add-mask::${secret.value}\nAuthenticated\n`, [secret])).toEqual([]);
  });

  it.each([
    ['printed after its mask line', `::add-mask::${secret.value}\ntoken=${secret.value}`, 2],
    ['printed before its mask line', `token=${secret.value}\n::add-mask::${secret.value}`, 1],
    ['printed without a mask line', `::debug::token=${secret.value}`, 1],
    ['inside another command', `::add-mask::{"token":"${secret.value}"}`, 1],
  ])('reports a secret %s, by name and without its value', (_case, log, line) => {
    const leaks = findLeaks(log, [secret]);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toContain(`line ${line} shows the session token`);
    expect(leaks[0]).not.toContain(secret.value);
  });
});

describe('findUnmasked', () => {
  it('names the secrets without a mask line', () => {
    const other = { name: 'OIDC JWT', value: 'eyJhbGciOi.example.jwt' };
    expect(findUnmasked(`::add-mask::${secret.value}`, [secret, other])).toEqual(['OIDC JWT']);
  });
});

describe('credentialsIn', () => {
  it('finds the temporary secret key and session token in an STS answer', () => {
    const answer =
      '<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey>' +
      '<SessionToken>t0k3n</SessionToken></Credentials>';
    expect(credentialsIn(answer)).toEqual([
      { name: 'temporary secret key', value: 's3cr3t' },
      { name: 'session token', value: 't0k3n' },
    ]);
  });
});
