import http from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import { NetworkRefusedError, portOf, type NetworkPolicy } from './network.js';

/**
 * One HTTP exchange on node:http(s) with keep-alive agents, for HttpClient.
 *
 * Why not the global fetch: a sync sends thousands of batches to one origin, and fetch (undici
 * behind WHATWG streams, Request/Response objects, an AbortSignal per call) costs about three times
 * the CPU of node:http per request. On the main thread that competes with reading the plan and
 * committing results; measured on the sync benchmark it was the largest share of the sync's send
 * time above the plain loop. What fetch did implicitly is done here explicitly: the content-type
 * of string and form bodies, decompressing a compressed answer, UTF-8 text without a BOM, and a
 * timeout covering the whole exchange. Redirects are not followed: vendor APIs answer where they
 * are called, and a 3xx comes back as a response the caller maps like any other final status.
 */

export interface Exchange {
  status: number;
  headers: Headers;
  text: string;
}

/** The request failed before a full answer: `kind` says whether the time ran out. */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network',
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

// Sockets kept alive between batches; idle ones are unref'd by the agent, so they never keep a
// CLI process running, and the agent honours the server's Keep-Alive timeout hint.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

const utf8 = new TextDecoder(); // strips a BOM, like fetch's text()

export function exchange(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | URLSearchParams | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  policy?: NetworkPolicy,
): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    signal?.throwIfAborted();
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    // Policed requests get their own sockets: every one of them connected to a checked address.
    const agent = (policy?.agents ?? agents)[target.protocol as keyof typeof agents];
    if (!agent) throw new ExchangeError(`unsupported protocol ${target.protocol}`, 'network');
    const port = portOf(target);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // An address literal never reaches `lookup`: check it here.
    if (policy && isIP(host) && !policy.allowsHost(host, port) && !policy.allowsAddress(host, port)) throw new NetworkRefusedError(target.hostname, host);
    const outgoing: Record<string, string | number> = { ...headers };
    const has = (name: string) => Object.keys(outgoing).some((h) => h.toLowerCase() === name);
    // Text is encoded once, here: its length and the bytes written come from the same buffer.
    let payload: Uint8Array | undefined;
    if (body instanceof URLSearchParams) {
      payload = Buffer.from(body.toString());
      if (!has('content-type')) outgoing['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (typeof body === 'string') {
      payload = Buffer.from(body);
      if (!has('content-type')) outgoing['content-type'] = 'text/plain;charset=UTF-8';
    } else if (body !== undefined) {
      payload = body;
    }
    if (payload !== undefined) outgoing['content-length'] = payload.byteLength;

    let request: http.ClientRequest | undefined;
    let settled = false;
    // Called only once the timer below exists (every caller runs after this function returns).
    const finish = (error: unknown, result?: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(result!);
      else {
        request?.destroy();
        reject(error);
      }
    };
    const onAbort = () => finish(signal!.reason);
    const failed = (error: NodeJS.ErrnoException) => finish(error instanceof NetworkRefusedError ? error : new ExchangeError(error.code ?? error.message, 'network'));

    try {
      request = transport.request(target, { method, headers: outgoing, agent, ...(policy ? { lookup: policy.lookupFor(port) } : {}) }, (response) => {
        const chunks: Buffer[] = [];
        const stream = decoded(response, response.headers['content-encoding']);
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', failed);
        stream.on('end', () => {
          const received = new Headers();
          const raw = response.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) received.append(raw[i]!, raw[i + 1]!);
          finish(undefined, { status: response.statusCode ?? 0, headers: received, text: utf8.decode(Buffer.concat(chunks)) });
        });
        response.on('close', () => {
          if (!response.complete) finish(new ExchangeError('connection closed mid-answer', 'network'));
        });
      });
    } catch (error) {
      // An invalid header name or value: nothing was sent, and no timer or listener is set yet.
      reject(new ExchangeError((error as Error).message, 'network'));
      return;
    }
    request.on('error', failed);
    const timer = setTimeout(() => finish(new ExchangeError(`no answer within ${timeoutMs} ms`, 'timeout')), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    request.end(payload);
  });
}

function decoded(response: http.IncomingMessage, encoding: string | undefined): Readable {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return response.pipe(createGunzip());
    case 'deflate':
      return response.pipe(createInflate());
    case 'br':
      return response.pipe(createBrotliDecompress());
    default:
      return response;
  }
}
