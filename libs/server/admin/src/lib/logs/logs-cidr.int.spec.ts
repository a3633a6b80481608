import { randomBytes } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describeEachBackend } from '@sentinel/server-storage/testing';
import { LogQueryDto } from './logs.dto';
import { LogsRepository } from './logs.repository';

/** The logs' client filter takes an address or a CIDR range (issue 19: `10.0.0.0/8` was a 400). */
const TOKEN = randomBytes(32).toString('hex');

describeEachBackend('intercept log client filter on %s', (backend) => {
  let logs: LogsRepository;

  beforeAll(async () => {
    const db = backend().dataSource;
    logs = new LogsRepository(db);
    for (const ip of ['10.1.2.3', '10.200.0.1', '192.0.2.7', '2001:db8::1', '2001:db8:0:1::5']) {
      await db.query(
        `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, binding_status, reason, method, path)
         VALUES ($2, 'sk-cidr…', $1::inet, 'single', 'active', 'ip_not_allowed', 'GET', '/v1/models')`,
        [ip, TOKEN],
      );
    }
  });

  const ips = async (clientIp: string) =>
    (await logs.list({ clientIp, token: TOKEN, pageSize: 50 })).items.map((i) => i.clientIp).sort();

  it('an address matches itself only', async () => {
    expect(await ips('10.1.2.3')).toEqual(['10.1.2.3']);
  });

  it('a CIDR range matches every address inside it, IPv4 and IPv6', async () => {
    expect(await ips('10.0.0.0/8')).toEqual(['10.1.2.3', '10.200.0.1']);
    expect(await ips('2001:db8::/64')).toEqual(['2001:db8::1']);
    expect(await ips('0.0.0.0/0')).toHaveLength(3);
  });

  it('the query validates an address or a range, and refuses anything else', () => {
    const errors = (clientIp: string) => validateSync(plainToInstance(LogQueryDto, { clientIp })).length;
    expect(errors('10.0.0.0/8')).toBe(0);
    expect(errors('2001:db8::/32')).toBe(0);
    expect(errors('198.51.100.9')).toBe(0);
    expect(errors('10.0.0.0/33')).toBeGreaterThan(0);
    expect(errors('not-an-ip')).toBeGreaterThan(0);
  });
});
