// The client side of the collect bench, in its own process (so client and server do not share
// one core's event loop): the real @segment/analytics-node, unchanged but for a timing wrapper
// around its default HTTP client. Prints one JSON line: events/s, p50/p99 ack latency, errors.
import { Analytics, FetchHTTPClient, type HTTPClientRequest, type HTTPResponse } from '@segment/analytics-node';

const [url, writeKey, countText, tag] = process.argv.slice(2);
const count = Number(countText);
const latencies: number[] = [];
let errors = 0;

class TimedClient extends FetchHTTPClient {
  override async makeRequest(options: HTTPClientRequest): Promise<HTTPResponse> {
    const started = performance.now();
    const response = await super.makeRequest(options);
    latencies.push(performance.now() - started);
    if (response.status !== 200) errors++;
    return response;
  }
}

// flushAt: events per request (analytics-node's default is 15; busy servers raise it, up to its 500 KB batch limit).
const flushAt = Number(process.env.CDP_BENCH_FLUSH_AT ?? 15);
const analytics = new Analytics({ writeKey: writeKey!, host: url!, httpClient: new TimedClient(), maxRetries: 0, flushAt });
analytics.on('error', () => errors++);
const started = performance.now();
// Bursts with a yield between them, as a busy service emits events while serving.
for (let i = 0; i < count; i += 500) {
  for (let j = i; j < Math.min(count, i + 500); j++) {
    analytics.track({ messageId: `${tag}-${j}`, userId: `user-${j % 997}`, event: 'Bench Event', properties: { index: j, price: 9.99, nested: { sku: `sku-${j % 50}`, tags: ['a', 'b'] } } });
  }
  await new Promise((resolve) => setImmediate(resolve));
}
await analytics.closeAndFlush({ timeout: 300_000 });
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0;
process.stdout.write(`${JSON.stringify({ eventsPerSecond: count / seconds, seconds, requests: latencies.length, p50: at(0.5), p99: at(0.99), errors })}\n`);
