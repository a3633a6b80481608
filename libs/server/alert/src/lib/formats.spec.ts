import type { AlertPayload } from './alert.types';
import { plainText, renderAlert } from './formats';

const payload: AlertPayload = {
  event: 'intercept_threshold',
  version: 1,
  token: { id: 'a'.repeat(64), mask: 'sk-ab12…9xyz' },
  rule: { kind: 'single', entries: ['203.0.113.7/32'], status: 'active' },
  reason: 'ip_not_allowed',
  intercepts: {
    count: 5,
    threshold: 5,
    windowSeconds: 300,
    firstAt: '2026-11-22T10:00:00.000Z',
    lastAt: '2026-11-22T10:01:00.000Z',
    ips: ['198.51.100.9', '198.51.100.8'],
    recent: [
      { ip: '198.51.100.9', at: '2026-11-22T10:01:00.000Z' },
      { ip: '198.51.100.8', at: '2026-11-22T10:00:00.000Z' },
    ],
  },
  instanceId: 'host#1',
  consoleUrl: 'https://sentinel.example.com/admin/ui/bindings?token=aaaa',
  generatedAt: '2026-11-22T10:01:00.100Z',
};

describe('alert formats', () => {
  it('json is the canonical payload', () => {
    expect(renderAlert('json', payload)).toBe(payload);
  });

  it('the text carries mask, rule, count, window, IPs (most recent first), times, instance and link', () => {
    const t = plainText(payload);
    expect(t).toContain('sk-ab12…9xyz');
    expect(t).toContain('single 203.0.113.7/32 (active)');
    expect(t).toContain('5 in 300 s');
    expect(t).toContain('198.51.100.9, 198.51.100.8');
    expect(t).toContain('2026-11-22T10:00:00.000Z');
    expect(t).toContain('2026-11-22T10:01:00.000Z');
    expect(t).toContain('host#1');
    expect(t).toContain('https://sentinel.example.com/admin/ui/bindings?token=aaaa');
  });

  it('feishu: { msg_type: "text", content: { text } }', () => {
    const m = renderAlert('feishu', payload);
    expect(Object.keys(m).sort()).toEqual(['content', 'msg_type']);
    expect(m['msg_type']).toBe('text');
    expect(m['content']).toEqual({ text: plainText(payload) });
  });

  it('dingtalk: { msgtype: "markdown", markdown: { title, text } }', () => {
    const m = renderAlert('dingtalk', payload) as { msgtype: string; markdown: { title: string; text: string } };
    expect(Object.keys(m).sort()).toEqual(['markdown', 'msgtype']);
    expect(m.msgtype).toBe('markdown');
    expect(Object.keys(m.markdown).sort()).toEqual(['text', 'title']);
    expect(m.markdown.title).toMatch(/^Sentinel/); // DingTalk "custom keyword" security: Sentinel
    expect(m.markdown.text).toContain('198.51.100.9');
    expect(m.markdown.text).toContain('(https://sentinel.example.com/admin/ui/bindings?token=aaaa)');
  });

  it('wecom: { msgtype: "markdown", markdown: { content } } within 4096 bytes', () => {
    const m = renderAlert('wecom', payload) as { msgtype: string; markdown: { content: string } };
    expect(Object.keys(m).sort()).toEqual(['markdown', 'msgtype']);
    expect(m.msgtype).toBe('markdown');
    expect(Object.keys(m.markdown)).toEqual(['content']);
    expect(m.markdown.content).toContain('**Offending IPs (most recent first)**');
    const many = {
      ...payload,
      rule: { ...payload.rule, entries: Array.from({ length: 2000 }, (_, i) => `10.0.${i % 250}.0/24`) },
    };
    const big = renderAlert('wecom', many) as { markdown: { content: string } };
    expect(Buffer.byteLength(big.markdown.content)).toBeLessThanOrEqual(4096);
  });

  it('markdown formats neutralise markup in values instead of backslash-escaping', () => {
    const evil = { ...payload, token: { ...payload.token, mask: 'sk-<font color="x">*b*[l](u)`c`' } };
    for (const f of ['dingtalk', 'wecom'] as const) {
      const text = JSON.stringify(renderAlert(f, evil));
      expect(text).not.toContain('<font');
      expect(text).not.toContain('*b*');
      expect(text).not.toContain('[l](u)');
      expect(text).not.toContain('\\\\'); // no backslash escapes
      expect(text).toContain('ip_not_allowed');
    }
  });

  it('slack: { text, blocks } with a header and an mrkdwn section; <, >, & escaped', () => {
    const evil = { ...payload, token: { ...payload.token, mask: 'sk-<!channel>&' } };
    const m = renderAlert('slack', evil) as {
      text: string;
      blocks: { type: string; text: { type: string; text: string } }[];
    };
    expect(Object.keys(m).sort()).toEqual(['blocks', 'text']);
    expect(m.text).toMatch(/^Sentinel: token/);
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(m.blocks[0].text.type).toBe('plain_text');
    expect(m.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    expect(m.blocks[1].text.type).toBe('mrkdwn');
    expect(m.blocks[1].text.text).toContain('sk-&lt;!channel&gt;&amp;');
    expect(m.blocks[1].text.text).toContain(
      '<https://sentinel.example.com/admin/ui/bindings?token=aaaa|open in the console>',
    );
  });

  it('discord: { content, embeds, allowed_mentions: { parse: [] } } within Discord limits', () => {
    const m = renderAlert('discord', payload) as {
      content: string;
      embeds: {
        title: string;
        url?: string;
        color: number;
        fields: { name: string; value: string }[];
        timestamp: string;
      }[];
      allowed_mentions: { parse: string[] };
    };
    expect(Object.keys(m).sort()).toEqual(['allowed_mentions', 'content', 'embeds']);
    expect(m.content.length).toBeLessThanOrEqual(2000);
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.embeds).toHaveLength(1);
    expect(m.embeds[0].url).toBe(payload.consoleUrl);
    expect(m.embeds[0].timestamp).toBe(payload.generatedAt);
    expect(m.embeds[0].fields.length).toBeLessThanOrEqual(25);
    for (const f of m.embeds[0].fields) {
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
    expect(m.embeds[0].fields.find((f) => f.name.startsWith('Offending'))?.value).toBe('198.51.100.9, 198.51.100.8');
  });

  it('a test alert renders in every format', () => {
    const test: AlertPayload = { ...payload, event: 'test', consoleUrl: null };
    for (const f of ['json', 'feishu', 'dingtalk', 'wecom', 'slack', 'discord'] as const) {
      expect(JSON.stringify(renderAlert(f, test))).toMatch(/Sentinel|test/);
    }
  });
});
