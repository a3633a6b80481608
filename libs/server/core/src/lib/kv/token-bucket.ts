/**
 * A token bucket: holds up to `burst` tokens and refills at `ratePerMinute`. Taking `cost` tokens
 * succeeds while that many are left; a negative cost gives tokens back (capped at `burst`). The
 * Redis adapter runs the same arithmetic in one Lua script (TOKEN_BUCKET_LUA), on Redis's clock,
 * so every instance shares one bucket per key; this function serves the in-process store and
 * per-instance fallbacks.
 */
export interface TokenBucketState {
  tokens: number;
  /** When `tokens` was computed (ms). */
  at: number;
}

export interface TokenTake {
  ok: boolean;
  /** When refused: how long until `cost` tokens are back (ms); 0 when ok. */
  retryAfterMs: number;
}

export function takeFromBucket(
  state: TokenBucketState | undefined,
  now: number,
  ratePerMinute: number,
  burst: number,
  cost: number,
): { state: TokenBucketState; take: TokenTake } {
  const perMs = ratePerMinute / 60_000;
  const elapsed = state ? Math.max(0, now - state.at) : 0;
  let tokens = Math.min(burst, (state?.tokens ?? burst) + elapsed * perMs);
  let take: TokenTake;
  if (tokens >= cost) {
    tokens = Math.min(burst, tokens - cost);
    take = { ok: true, retryAfterMs: 0 };
  } else {
    take = { ok: false, retryAfterMs: perMs > 0 ? Math.ceil((cost - tokens) / perMs) : 60_000 };
  }
  return { state: { tokens, at: now }, take };
}

/** How long an idle bucket must be kept before it is full again anyway (ms). */
export function bucketTtlMs(ratePerMinute: number, burst: number): number {
  return Math.ceil((burst / Math.max(ratePerMinute, 1e-9)) * 60_000) + 1_000;
}

/** KEYS: bucket. ARGV: rate per minute, burst, cost, ttl ms. Returns {ok (0/1), retry-after ms}. */
export const TOKEN_BUCKET_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local perMs = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
local ok = 0
local retry = 0
if tokens >= cost then
  tokens = math.min(burst, tokens - cost)
  ok = 1
elseif perMs > 0 then
  retry = math.ceil((cost - tokens) / perMs)
else
  retry = 60000
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {ok, retry}`;
