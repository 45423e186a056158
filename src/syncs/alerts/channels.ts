import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import type { AlertChannel } from '../../config/index.js';
import { HttpClient, sharedRateLimiter, type NetworkPolicy } from '../../destinations/index.js';
import { logger } from '../../logger.js';
import { rememberSecret, scrubSecretText } from '../../util/secret-scrub.js';
import type { SecretResolver } from '../secrets.js';

/** One alert as people read it. */
export interface AlertMessage {
  /** One line, e.g. "Sync crm_contacts failed". */
  title: string;
  /** What happened, in a sentence or two. */
  detail: string;
  /** The run (or sync) in the service. */
  link: string;
  /** Resolved notices are worded and coloured as good news. */
  resolved: boolean;
}

/** How one channel is reached. */
export interface ChannelOptions {
  secrets: SecretResolver;
  /** A channel made over the API: its webhook URL and SMTP server may only be what this policy allows. */
  network?: NetworkPolicy;
}

export interface DeliveryOptions {
  secrets: SecretResolver;
  network?: NetworkPolicy;
  /** Channels made over the API (by name): `network` applies to them; config channels are reviewed code. */
  policed?: ReadonlySet<string>;
}

/**
 * Slack's incoming-webhook JSON (https://api.slack.com/messaging/webhooks): `text` is the
 * notification fallback, `blocks` the formatted message with mrkdwn links (`<url|label>`).
 */
export function slackPayload(message: AlertMessage): { text: string; blocks: unknown[] } {
  const icon = message.resolved ? ':white_check_mark:' : ':rotating_light:';
  const text = `${icon} ${message.title}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*\n${message.detail}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${message.link}|Open in cdp>` }] },
    ],
  };
}

async function sendSlack(channel: Extract<AlertChannel, { type: 'slack' }>, path: string, message: AlertMessage, options: ChannelOptions): Promise<void> {
  const url = await options.secrets(channel.url, `${path}.url`);
  // The token of a webhook is its path: a receiver echoing the path alone must not show it either.
  const { pathname, search } = new URL(url);
  if (`${pathname}${search}`.length >= 8) rememberSecret(`${pathname}${search}`);
  const http = new HttpClient({ limiter: sharedRateLimiter('alerts:slack', { requests: 1, perSeconds: 1 }), vendor: 'slack', policy: { maxAttempts: 3 }, ...(options.network ? { network: options.network } : {}) });
  const response = await http.request({ method: 'POST', path: url, json: slackPayload(message) });
  if (response.status < 200 || response.status >= 300) throw new Error(`the webhook answered ${response.status}: ${response.text.slice(0, 200)}`);
}

/**
 * nodemailer's socket for a policed SMTP server: the host is checked (a literal address too), and
 * the connection resolves through the policy, so the address checked is the one connected to.
 */
function policedSocket(network: NetworkPolicy, host: string, port: number) {
  return (_options: unknown, callback: (error: Error | null, socket?: { connection: Socket }) => void): void => {
    network.assertReachable(host, port).then(
      () => {
        const socket = connect({ host, port, lookup: network.lookupFor(port) });
        socket.once('connect', () => callback(null, { connection: socket }));
        socket.once('error', (error) => callback(error));
      },
      (error: Error) => callback(error),
    );
  };
}

async function sendEmail(channel: Extract<AlertChannel, { type: 'email' }>, path: string, message: AlertMessage, options: ChannelOptions): Promise<void> {
  const { smtp } = channel;
  const password = smtp.password ? await options.secrets(smtp.password, `${path}.smtp.password`) : undefined;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    ...(options.network ? { getSocket: policedSocket(options.network, smtp.host, smtp.port) } : {}),
  });
  try {
    await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: `[cdp] ${message.title}`,
      text: `${message.title}\n\n${message.detail}\n\nOpen in cdp: ${message.link}\n`,
    });
  } finally {
    transport.close();
  }
}

/** Sends an alert to one channel; throws what went wrong (callers scrub it before showing it). */
export async function sendAlert(channel: AlertChannel, path: string, message: AlertMessage, options: ChannelOptions): Promise<void> {
  if (channel.type === 'slack') await sendSlack(channel, path, message, options);
  else await sendEmail(channel, path, message, options);
}

/**
 * Sends an alert to each channel named; a channel that fails is logged and the others still get
 * it. Returns how many channels took it.
 */
export async function deliver(channels: Record<string, AlertChannel>, names: readonly string[], message: AlertMessage, options: DeliveryOptions): Promise<number> {
  let delivered = 0;
  for (const name of names) {
    const channel = channels[name];
    if (!channel) continue;
    const path = `alerts.channels.${name}`;
    try {
      const policed = options.policed?.has(name) ?? false;
      if (policed && !options.network) throw new Error('a channel made over the API is sent only under the network policy');
      await sendAlert(channel, path, message, { secrets: options.secrets, ...(policed ? { network: options.network } : {}) });
      delivered += 1;
    } catch (error) {
      logger.warn({ channel: name, type: channel.type, err: scrubSecretText(error instanceof Error ? error.message : String(error)) }, 'alert not delivered');
    }
  }
  return delivered;
}
