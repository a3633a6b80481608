import type { AlertFormat } from '@sentinel/server-settings';
import type { AlertPayload } from './alert.types';

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
export function renderAlert(format: AlertFormat, payload: AlertPayload): Record<string, unknown> {
  switch (format) {
    case 'feishu':
      return { msg_type: 'text', content: { text: plainText(payload) } };
    case 'dingtalk':
      return { msgtype: 'markdown', markdown: { title: md(title(payload)), text: truncate(markdown(payload), 5000) } };
    case 'wecom':
      return { msgtype: 'markdown', markdown: { content: truncateBytes(markdown(payload), 4096) } };
    case 'slack':
      return slack(payload);
    case 'discord':
      return discord(payload);
    case 'json':
    default:
      return payload as unknown as Record<string, unknown>;
  }
}

const MAX_IPS_IN_TEXT = 10;

export function title(p: AlertPayload): string {
  if (p.event === 'test') return 'Sentinel test alert';
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
  const rows: [string, string][] = [
    ['Token', `${p.token.mask} (id ${p.token.id.slice(0, 12)})`],
    ['Reason', p.reason],
    ['Bound rule', ruleText(p)],
    ['Intercepts', `${p.intercepts.count} in ${p.intercepts.windowSeconds} s (threshold ${p.intercepts.threshold})`],
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
  return v
    .replace(/[*`|]/g, ' ')
    .replace(/\[/g, '(')
    .replace(/\]/g, ')')
    .replace(/</g, '‹')
    .replace(/>/g, '›');
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
