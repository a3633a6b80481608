import { createHmac } from 'node:crypto';
import { dingtalkSign, feishuSign, signatureHeader, verifySignature } from './signature';

describe('webhook signatures', () => {
  const secret = 'whsec-test';
  const body = '{"event":"intercept_threshold","n":1}';
  const now = 1_800_000_000;

  it('signs t + "." + body with HMAC-SHA256 and verifies it', () => {
    const header = signatureHeader(secret, body, now);
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(header).toBe(`t=${now},v1=${expected}`);
    expect(verifySignature(secret, header, body, 300, now)).toBe(true);
    expect(verifySignature(secret, header, Buffer.from(body), 300, now + 299)).toBe(true);
  });

  it('refuses a changed body, another secret, or a malformed header', () => {
    const header = signatureHeader(secret, body, now);
    expect(verifySignature(secret, header, body.replace('1', '2'), 300, now)).toBe(false);
    expect(verifySignature('other', header, body, 300, now)).toBe(false);
    for (const bad of [
      undefined,
      null,
      '',
      'v1=abc',
      `t=${now}`,
      `t=${now},v1=zz`,
      `t=x,v1=${'a'.repeat(64)}`,
      'garbage',
      `t=${now},t=${now},${header.split(',')[1]}`,
    ]) {
      expect(verifySignature(secret, bad, body, 300, now)).toBe(false);
    }
    expect(verifySignature('', header, body, 300, now)).toBe(false);
  });

  it('refuses a replay outside the tolerance window (either direction)', () => {
    const header = signatureHeader(secret, body, now);
    expect(verifySignature(secret, header, body, 300, now + 301)).toBe(false);
    expect(verifySignature(secret, header, body, 300, now - 301)).toBe(false);
    expect(verifySignature(secret, header, body, 0, now)).toBe(true);
  });

  it('accepts any matching v1 (secret rotation)', () => {
    const good = signatureHeader(secret, body, now).split(',')[1];
    const other = signatureHeader('old', body, now).split(',')[1];
    expect(verifySignature(secret, `t=${now},${other},${good}`, body, 300, now)).toBe(true);
    expect(verifySignature('old', `t=${now},${other},${good}`, body, 300, now)).toBe(true);
  });

  it('Feishu and DingTalk vendor signatures follow their documented recipes', () => {
    const f = feishuSign('s3cret', 1_700_000_000);
    expect(f).toEqual({
      timestamp: '1700000000',
      sign: createHmac('sha256', '1700000000\ns3cret').update('').digest('base64'),
    });
    const d = dingtalkSign('s3cret', 1_700_000_000_123);
    expect(d).toEqual({
      timestamp: '1700000000123',
      sign: createHmac('sha256', 's3cret').update('1700000000123\ns3cret').digest('base64'),
    });
  });
});
