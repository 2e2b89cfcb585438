// src/sdk/: what the bundle gets instead of three AWS SDK modules (tsconfig.json `paths`). Each must do what the
// module it stands in for does for the SDK: the HTTP/1.1 handler, SHA-256 (signing) and CRC32, and the default
// credential chain, loaded only when a client first asks it for credentials.
import { describe, expect, it } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest } from '@smithy/core/protocols';
import { Crc32, Sha256 } from '../../src/sdk/checksum.js';
import { defaultProvider } from '../../src/sdk/default-credentials.js';
import { NodeHttpHandler, streamCollector } from '../../src/sdk/http1-handler.js';

const tsconfig = JSON.parse(readFileSync('tsconfig.json', 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};

describe('the mapping', () => {
  it('maps the three SDK modules, and nothing else of the SDK, to src/sdk/', () => {
    const sdk = Object.entries(tsconfig.compilerOptions.paths).filter(([from]) =>
      /^@(aws-sdk|smithy)\//.test(from),
    );
    expect(Object.fromEntries(sdk)).toEqual({
      '@smithy/node-http-handler': ['./src/sdk/http1-handler.js'],
      '@aws-sdk/credential-provider-node': ['./src/sdk/default-credentials.js'],
      '@smithy/core/checksum': ['./src/sdk/checksum.js'],
    });
  });
});

describe('dist/', () => {
  it('loads neither node:http2 nor node:zlib, in any bundle or chunk', () => {
    const files = readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.js'),
    );
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      expect([
        file,
        /["'](node:)?(http2|zlib)["']/.test(readFileSync(path.join('dist', file), 'utf8')),
      ]).toEqual([file, false]);
    }
  });
});

describe('checksum.js', () => {
  it('Sha256 hashes and HMACs as node:crypto does', async () => {
    const hash = new Sha256();
    hash.update(Buffer.from('abc'));
    expect(Buffer.from(await hash.digest()).toString('hex')).toBe(
      createHash('sha256').update('abc').digest('hex'),
    );
    const hmac = new Sha256('key');
    hmac.update(Buffer.from('message'));
    expect(Buffer.from(await hmac.digest()).toString('hex')).toBe(
      createHmac('sha256', 'key').update('message').digest('hex'),
    );
  });

  it('Crc32 gives the standard CRC32 (the check value of "123456789")', async () => {
    const crc = new Crc32();
    crc.update(Buffer.from('123456789'));
    expect(Buffer.from(await crc.digest()).toString('hex')).toBe('cbf43926');
  });
});

describe('http1-handler.js', () => {
  it('sends a request and collects the answer', async () => {
    const server = createServer((request, response) => response.end(`${request.method} ${request.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const handler = new NodeHttpHandler({ requestTimeout: 5000 });
      const { response } = await handler.handle(
        new HttpRequest({
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          method: 'POST',
          path: '/sts',
          headers: {},
        }),
      );
      expect(response.statusCode).toBe(200);
      expect(Buffer.from(await streamCollector(response.body)).toString()).toBe('POST /sts');
      handler.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('default-credentials.js', () => {
  it("is the SDK's default chain: credentials from the environment, once asked", async () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
      const provider = defaultProvider({});
      await expect(provider()).resolves.toMatchObject({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
    } finally {
      process.env = saved;
    }
  });
});
