import { DependencyHealth } from './dependency-health';

describe('DependencyHealth (PostgreSQL circuit breaker)', () => {
  let t = 0;
  const clock = () => t;
  beforeEach(() => (t = 1_000_000));

  it('reports PostgreSQL down from the first failure, but keeps asking it until a second one', () => {
    const h = new DependencyHealth(1_000, clock);
    h.reportPostgresFailure(new Error('ECONNRESET'));
    expect(h.postgresState).toEqual({ up: false, lastError: 'ECONNRESET' });
    expect(h.postgresAvailable()).toBe(true);
  });

  it('opens after two consecutive failures and lets one probe through once retryAfterMs has passed', () => {
    const h = new DependencyHealth(1_000, clock);
    h.reportPostgresFailure(new Error('a'));
    h.reportPostgresFailure(new Error('b'));
    expect(h.postgresAvailable()).toBe(false);
    t += 999;
    expect(h.postgresAvailable()).toBe(false);
    t += 1;
    expect(h.postgresAvailable()).toBe(true);
    h.reportPostgresFailure(new Error('probe failed'));
    expect(h.postgresAvailable()).toBe(false);
  });

  it('a success in between resets the count: isolated resets never open the breaker', () => {
    const h = new DependencyHealth(1_000, clock);
    for (let i = 0; i < 5; i++) {
      h.reportPostgresFailure(new Error('reset'));
      expect(h.postgresAvailable()).toBe(true);
      h.reportPostgresSuccess();
      expect(h.postgresState).toEqual({ up: true });
    }
  });

  it('honours a custom threshold', () => {
    const h = new DependencyHealth(1_000, clock, 1);
    h.reportPostgresFailure(new Error('x'));
    expect(h.postgresAvailable()).toBe(false);
  });
});
