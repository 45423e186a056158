import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, NetworkPolicy, NetworkRefusedError, RateLimiter } from '../../../src/destinations/index.js';
import { isCdpError } from '../../../src/errors.js';

describe('network policy', () => {
  const strict = new NetworkPolicy();

  it('refuses loopback, private, link-local and reserved addresses in every spelling; allows public ones', () => {
    for (const address of ['127.0.0.1', '127.255.0.9', '0.0.0.0', '10.2.3.4', '172.31.0.1', '192.168.0.1', '169.254.169.254', '100.64.1.1', '224.0.0.1', '::1', '::', '::ffff:7f00:1', '::ffff:127.0.0.1', 'fe80::1', 'fd12::1', '64:ff9b::a00:1']) {
      expect(strict.allowsAddress(address, 80), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(strict.allowsAddress(address, 443), address).toBe(true);
  });

  it('network.allow: CIDRs, addresses and host names, each optionally with a port', () => {
    const policy = new NetworkPolicy(['10.0.0.0/8', '127.0.0.1:8787', '[::1]:9000', 'hooks.internal', '*.corp.example:443']);
    expect(policy.allowsAddress('10.9.8.7', 1234)).toBe(true);
    expect(policy.allowsAddress('127.0.0.1', 8787)).toBe(true);
    expect(policy.allowsAddress('127.0.0.1', 8788)).toBe(false);
    expect(policy.allowsAddress('::1', 9000)).toBe(true);
    expect(policy.allowsHost('hooks.internal', 80)).toBe(true);
    expect(policy.allowsHost('a.corp.example', 443)).toBe(true);
    expect(policy.allowsHost('a.corp.example', 80)).toBe(false);
    expect(policy.allowsHost('corp.example.evil', 443)).toBe(false);
    try {
      new NetworkPolicy(['ok.example', 'not a host!']);
      expect.unreachable();
    } catch (error) {
      expect(isCdpError(error) && error.code === 'CONFIG_INVALID' && error.location.path).toBe('network.allow[1]');
    }
  });
});

describe('HttpClient under a network policy', () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://10.0.0.1/metadata' }).end();
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const client = (network: NetworkPolicy) => new HttpClient({ limiter: new RateLimiter({ requests: 100, perSeconds: 1 }), network, policy: { maxAttempts: 3, baseDelayMs: 1 } });

  it('checks the address a name resolves to when connecting, and never retries a refusal', async () => {
    await expect(client(new NetworkPolicy()).request({ method: 'GET', path: `http://localhost:${port}/x` })).rejects.toBeInstanceOf(NetworkRefusedError);
    await expect(client(new NetworkPolicy()).request({ method: 'GET', path: `http://0x7f000001:${port}/x` })).rejects.toThrow(/not a public address/);
    expect(seen).toEqual([]);
    const allowed = await client(new NetworkPolicy([`localhost:${port}`])).request({ method: 'GET', path: `http://localhost:${port}/x` });
    expect(allowed.status).toBe(200);
  });

  it('never follows a redirect: a 3xx is the answer', async () => {
    const response = await client(new NetworkPolicy([`127.0.0.1:${port}`])).request({ method: 'GET', path: `http://127.0.0.1:${port}/redirect` });
    expect(response.status).toBe(302);
    expect(seen.at(-1)).toBe('/redirect');
  });
});
