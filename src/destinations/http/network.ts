import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { CdpError } from '../../errors.js';
import { DestinationError } from '../errors.js';

/**
 * Where destinations created over the API may send (the trust rule, docs/security.md): public
 * addresses only, unless the project's `network.allow` lists more. Checked on the address a
 * request actually connects to — after DNS resolution, on every new connection (not only when
 * the destination is saved) — so a name that resolves to a private address, or starts to, is
 * refused. Redirects are never followed (see transport.ts), so a 3xx cannot lead elsewhere.
 * Destinations in git (reviewed code) are not policed.
 */

/** Never public: loopback in every spelling, private, shared, link-local, documentation, multicast, reserved. */
const NOT_PUBLIC_V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const NOT_PUBLIC_V6: Array<[string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32], // Teredo
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4: an IPv4 address in disguise
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

/** The addresses of this machine's own interfaces: "the service itself", however it is bound. */
function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((nic): nic is NonNullable<typeof nic> => nic !== undefined)
    .map((nic) => nic.address);
}

const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');
const bare = (host: string): string => host.replace(/^\[|\]$/g, '');

/** A `network.allow` entry: a CIDR, an address or a host name (`*.` for subdomains), each optionally with `:port`. */
interface AllowRule {
  text: string;
  port?: number;
  host?: string;
  addresses?: BlockList;
}

function parseRule(text: string, index: number): AllowRule {
  const trimmed = text.trim();
  let target = trimmed;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) {
    target = bracketed[1]!;
    port = bracketed[2] ? Number(bracketed[2]) : undefined;
  } else if (isIP(trimmed) !== 6 && !/^[0-9a-f:]+\/\d+$/i.test(trimmed)) {
    const withPort = /^(.*):(\d+)$/.exec(trimmed);
    if (withPort) {
      target = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  const cidr = /^(.+)\/(\d+)$/.exec(target);
  const ip = cidr ? cidr[1]! : target;
  if (isIP(ip)) {
    const list = new BlockList();
    const family = familyOf(ip);
    list.addSubnet(ip, cidr ? Number(cidr[2]) : family === 'ipv6' ? 128 : 32, family);
    return { text, port, addresses: list };
  }
  if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(ip)) {
    throw new CdpError('CONFIG_INVALID', `network.allow entry "${text}" is not a CIDR, an address or a host name`, {
      location: { path: `network.allow[${index}]` },
      hint: 'e.g. 10.0.0.0/8, 127.0.0.1:8787, [::1]:8080, hooks.internal or *.corp.example',
    });
  }
  return { text, port, host: ip.toLowerCase() };
}

/** Thrown when the policy refuses an address: never retried, names what to change. */
export class NetworkRefusedError extends DestinationError {
  constructor(host: string, address: string) {
    super(`refused to connect to ${host}${address !== host ? ` (${address})` : ''}: not a public address`, {
      hint: 'destinations created over the API may only reach public addresses; an admin can list more under network.allow in cdp.config.ts (see docs/security.md)',
    });
    this.name = 'NetworkRefusedError';
  }
}

export class NetworkPolicy {
  private readonly rules: AllowRule[];
  private readonly notPublic = new BlockList();
  /** Keep-alive agents of policed requests only (a socket opened unpoliced is never reused here). */
  readonly agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

  constructor(allow: readonly string[] = []) {
    this.rules = allow.map((text, index) => parseRule(text, index));
    for (const [net, prefix] of NOT_PUBLIC_V4) this.notPublic.addSubnet(net, prefix, 'ipv4');
    for (const [net, prefix] of NOT_PUBLIC_V6) this.notPublic.addSubnet(net, prefix, 'ipv6');
    for (const address of ownAddresses()) if (isIP(bare(address))) this.notPublic.addAddress(bare(address), familyOf(bare(address)));
  }

  private portMatches(rule: AllowRule, port: number): boolean {
    return rule.port === undefined || rule.port === port;
  }

  /** The host name itself is allowed (an admin trusts whatever it resolves to). */
  allowsHost(host: string, port: number): boolean {
    const name = bare(host).toLowerCase();
    return this.rules.some((rule) => rule.host !== undefined && this.portMatches(rule, port) && (rule.host.startsWith('*.') ? name.endsWith(rule.host.slice(1)) : name === rule.host));
  }

  /** A resolved address may be connected to. */
  allowsAddress(address: string, port: number): boolean {
    const ip = bare(address);
    const family = familyOf(ip);
    if (this.rules.some((rule) => rule.addresses?.check(ip, family) && this.portMatches(rule, port))) return true;
    return !this.notPublic.check(ip, family);
  }

  /** Throws NetworkRefusedError unless `host` (a name or an address literal) may be reached at `port`. */
  async assertReachable(host: string, port: number): Promise<void> {
    if (this.allowsHost(host, port)) return;
    const literal = bare(host);
    if (isIP(literal)) {
      if (!this.allowsAddress(literal, port)) throw new NetworkRefusedError(host, literal);
      return;
    }
    const addresses = await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(literal, { all: true }, (error, found) => (error ? reject(error) : resolve(found))));
    const refused = addresses.find((a) => !this.allowsAddress(a.address, port));
    if (refused) throw new NetworkRefusedError(host, refused.address);
  }

  /** `assertReachable` for a URL; a name that does not resolve (yet) passes: every request checks again. */
  async assertUrl(url: string): Promise<void> {
    const target = new URL(url);
    try {
      await this.assertReachable(target.hostname, portOf(target));
    } catch (error) {
      if (error instanceof NetworkRefusedError) throw error;
    }
  }

  /**
   * A `lookup` for node:http's connection: resolves, refuses if any address is not allowed, and
   * hands the checked addresses to the socket (so what is checked is what is connected to).
   */
  lookupFor(port: number) {
    return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '');
        const allowed = this.allowsHost(hostname, port);
        const refused = allowed ? undefined : addresses.find((a) => !this.allowsAddress(a.address, port));
        if (refused) return callback(new NetworkRefusedError(hostname, refused.address), '');
        if (options.all) return callback(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      });
    };
  }
}

export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}
