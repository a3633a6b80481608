import type { AlertFormatName } from '@sentinel/admin-contract';
import type { AlertPayload } from './alert.types';
import { SIGNATURE_HEADER, dingtalkSign, feishuSign, signatureHeader } from './signature';

/**
 * One webhook format: how an alert becomes the target's message, how a secret signs it, and how
 * the target reports an error inside a 2xx answer. Names are defined once, in the contract
 * (ALERT_FORMAT_NAMES, which settings validation and the console read); ALERT_FORMATTERS must
 * have exactly one entry per name (the compiler checks both ways). Adding a format:
 * docs/extending.md, "A new alert format", and formats.extension-example.spec.ts.
 */
export interface AlertFormatter {
  /** The message body (serialised as JSON). */
  render(payload: AlertPayload): Record<string, unknown>;
  /**
   * Vendor signing with the webhook secret, applied per attempt (signatures carry the attempt's
   * time): may add fields to the message or parameters to the URL. The generic
   * `X-Sentinel-Signature` header is added for every format regardless.
   */
  sign?(message: Record<string, unknown>, url: URL, secret: string, nowMs: number): void;
  /** Vendors that answer 200 with an error code in the body: the error, or null. */
  bodyError?(text: string): string | null;
}

export type AlertFormatterTable = Readonly<Record<string, AlertFormatter>>;

/**
 * The alert in each supported webhook format. `json` is the canonical payload itself; the chat
 * formats follow each service's documented incoming-webhook message shape:
 *
 * - feishu   (Feishu/Lark custom bot):   { msg_type: "text", content: { text } }
 * - dingtalk (DingTalk custom robot):    { msgtype: "markdown", markdown: { title, text } }
 * - wecom    (WeCom group robot):        { msgtype: "markdown", markdown: { content } }
 * - slack    (Slack incoming webhook):   { text, blocks }
 * - discord  (Discord webhook):          { content, embeds, allowed_mentions }
 */
export const ALERT_FORMATTERS: { readonly [F in AlertFormatName]: AlertFormatter } = {
  json: { render: (payload) => payload as unknown as Record<string, unknown> },
  feishu: {
    render: (payload) => ({ msg_type: 'text', content: { text: plainText(payload) } }),
    sign: (message, _url, secret, nowMs) => Object.assign(message, feishuSign(secret, Math.floor(nowMs / 1000))),
    bodyError: (text) => vendorBodyError('feishu', text),
  },
  dingtalk: {
    render: (payload) => ({
      msgtype: 'markdown',
      markdown: { title: md(title(payload)), text: truncate(markdown(payload), 5000) },
    }),
    sign: (_message, url, secret, nowMs) => {
      const { timestamp, sign } = dingtalkSign(secret, nowMs);
      url.searchParams.set('timestamp', timestamp);
      url.searchParams.set('sign', sign);
    },
    bodyError: (text) => vendorBodyError('dingtalk', text),
  },
  wecom: {
    render: (payload) => ({ msgtype: 'markdown', markdown: { content: truncateBytes(markdown(payload), 4096) } }),
    bodyError: (text) => vendorBodyError('wecom', text),
  },
  slack: { render: (payload) => slack(payload) },
  discord: { render: (payload) => discord(payload) },
};

function formatter(format: string, formatters: AlertFormatterTable): AlertFormatter {
  const f = Object.prototype.hasOwnProperty.call(formatters, format) ? formatters[format] : undefined;
  if (f === undefined) throw new Error(`unknown alert format "${format}"`);
  return f;
}

export function renderAlert(
  format: string,
  payload: AlertPayload,
  formatters: AlertFormatterTable = ALERT_FORMATTERS,
): Record<string, unknown> {
  return formatter(format, formatters).render(payload);
}

/** What one delivery attempt sends: the rendered, signed message (see AlertService.deliver). */
export interface AlertRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Reads a vendor's error out of a 2xx answer (webhook-client's classify). */
  bodyError?: (text: string) => string | null;
}

export function alertRequest(
  job: {
    readonly format: string;
    readonly payload: AlertPayload;
    readonly url: string;
    readonly secret: string | null;
  },
  nowMs: number,
  formatters: AlertFormatterTable = ALERT_FORMATTERS,
): AlertRequest {
  const f = formatter(job.format, formatters);
  const message = f.render(job.payload);
  let url = job.url;
  if (job.secret && f.sign) {
    const u = new URL(url);
    f.sign(message, u, job.secret, nowMs);
    url = u.toString();
  }
  const body = JSON.stringify(message);
  const headers: Record<string, string> = { 'x-sentinel-event': job.payload.event };
  if (job.secret) headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeader(job.secret, body, Math.floor(nowMs / 1000));
  const bodyError = f.bodyError?.bind(f);
  return bodyError ? { url, body, headers, bodyError } : { url, body, headers };
}

function snippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** Feishu, DingTalk and WeCom report errors (bad sign, keyword missing…) with HTTP 200. */
function vendorBodyError(format: 'feishu' | 'dingtalk' | 'wecom', text: string): string | null {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const code = format === 'feishu' ? (parsed['code'] ?? parsed['StatusCode']) : parsed['errcode'];
  if (code === undefined || code === 0) return null;
  const msg = parsed['msg'] ?? parsed['StatusMessage'] ?? parsed['errmsg'] ?? '';
  return `${format} error ${String(code)}: ${snippet(String(msg))}`;
}

const MAX_IPS_IN_TEXT = 10;

export function title(p: AlertPayload): string {
  if (p.event === 'test') return 'Sentinel test alert';
  if (p.event === 'alert_digest' && p.digest) {
    return `Sentinel: ${p.digest.suppressed} more alerts in ${p.intercepts.windowSeconds} s (alert flood, digest)`;
  }
  if (p.event === 'probable_sharing') {
    return `Sentinel: token ${p.token.mask} probably shared: refused from ${p.intercepts.count} addresses in ${p.intercepts.windowSeconds} s`;
  }
  return `Sentinel: token ${p.token.mask} refused ${p.intercepts.count} times in ${p.intercepts.windowSeconds} s`;
}

function ipsText(p: AlertPayload): string {
  const shown = p.intercepts.ips.slice(0, MAX_IPS_IN_TEXT);
  const more = p.intercepts.ips.length - shown.length;
  return shown.join(', ') + (more > 0 ? ` (+${more} more)` : '') || '-';
}

function ruleText(p: AlertPayload): string {
  const entries = p.rule.entries.length ? ` ${p.rule.entries.slice(0, 10).join(', ')}` : '';
  return `${p.rule.kind}${entries} (${p.rule.status})`;
}

/** Key/value lines shared by every text format. */
function lines(p: AlertPayload): [string, string][] {
  if (p.event === 'test') {
    return [
      ['Message', 'Webhook delivery from Sentinel works.'],
      ['Instance', p.instanceId],
      ['Time', p.generatedAt],
    ];
  }
  if (p.event === 'alert_digest' && p.digest) {
    const d = p.digest;
    const rows: [string, string][] = [
      ['Alerts suppressed', String(d.suppressed)],
      ['Window', `${d.from} – ${d.to}`],
      ...d.topTokens.map((t, i): [string, string] => [
        `Top token ${i + 1}`,
        `${t.mask} (id ${t.id.slice(0, 12)}): ${t.count} intercepts, ${t.reason}, from ${t.ips.join(', ') || '-'}`,
      ]),
      ['Instance', p.instanceId],
    ];
    if (p.consoleUrl) rows.push(['Console', p.consoleUrl]);
    return rows;
  }
  const rows: [string, string][] = [
    ['Token', `${p.token.mask} (id ${p.token.id.slice(0, 12)})`],
    ['Reason', p.reason],
    ['Bound rule', ruleText(p)],
    p.event === 'probable_sharing'
      ? [
          'Distinct refused addresses',
          `${p.intercepts.count} in ${p.intercepts.windowSeconds} s (threshold ${p.intercepts.threshold})`,
        ]
      : [
          'Intercepts',
          `${p.intercepts.count} in ${p.intercepts.windowSeconds} s (threshold ${p.intercepts.threshold})`,
        ],
    ['Offending IPs (most recent first)', ipsText(p)],
    ['First intercept', p.intercepts.firstAt],
    ['Last intercept', p.intercepts.lastAt],
    ['Instance', p.instanceId],
  ];
  if (p.consoleUrl) rows.push(['Console', p.consoleUrl]);
  return rows;
}

export function plainText(p: AlertPayload): string {
  return [title(p), ...lines(p).map(([k, v]) => `${k}: ${v}`)].join('\n');
}

/**
 * Values come from our own data (masks, IPs, times), but are still kept out of markup. The vendor
 * markdown dialects (DingTalk, WeCom) do not all honour backslash escapes, so characters that
 * could open markup are replaced rather than escaped; `_` and `#` inside a value are harmless.
 */
function md(v: string): string {
  return v.replace(/[*`|]/g, ' ').replace(/\[/g, '(').replace(/\]/g, ')').replace(/</g, '‹').replace(/>/g, '›');
}

function markdown(p: AlertPayload): string {
  const body = lines(p).map(([k, v]) =>
    k === 'Console' ? `> **${k}**: [${md(p.token.mask)}](${v})` : `> **${k}**: ${md(v)}`,
  );
  return [`### ${md(title(p))}`, ...body].join('\n');
}

function slackEscape(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slack(p: AlertPayload): Record<string, unknown> {
  const text = title(p);
  const body = lines(p)
    .map(([k, v]) => (k === 'Console' ? `*${k}*: <${v}|open in the console>` : `*${k}*: ${slackEscape(v)}`))
    .join('\n');
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(text, 150), emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(body, 3000) } },
    ],
  };
}

function discord(p: AlertPayload): Record<string, unknown> {
  const fields = lines(p)
    .filter(([k]) => k !== 'Console')
    .map(([name, value]) => ({
      name: truncate(name, 256),
      value: truncate(value, 1024),
      inline: name === 'Reason' || name === 'Intercepts' || name === 'Instance',
    }));
  const embed: Record<string, unknown> = {
    title: truncate(title(p), 256),
    color: p.event === 'test' ? 0x2e7d32 : 0xd93025,
    fields: fields.slice(0, 25),
    timestamp: p.generatedAt,
  };
  if (p.consoleUrl) embed['url'] = p.consoleUrl;
  return {
    content: truncate(title(p), 2000),
    embeds: [embed],
    // Nothing in an alert may ping @everyone or a role.
    allowed_mentions: { parse: [] },
  };
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function truncateBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = s;
  while (Buffer.byteLength(out) > maxBytes - 3) out = out.slice(0, Math.floor(out.length * 0.9));
  return `${out}…`;
}
