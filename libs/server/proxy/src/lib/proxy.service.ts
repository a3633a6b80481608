import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Ip } from '@sentinel/net';
import {
  BindingDecider,
  InterceptRecorder,
  TokenIdentifier,
  UsageRecorder,
  evaluate,
  maskToken,
  type CompiledBinding,
  type FinalVerdict,
  type Resolution,
} from '@sentinel/server-binding';
import { AppConfig, AppLogger } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { ClientIpResolver } from './client-ip/client-ip';
import { classifyRoute, extractCredential, isGuarded } from './credentials';
import { nextRequestId, rejectUpgrade, sendNewApiError } from './errors/new-api-error';
import { bodyFramingOk } from './forwarding/body-framing';
import { Forwarder } from './forwarding/forwarder';
import type { UpgradeSockets } from './forwarding/upgrade-sockets';
import { ProxyMetrics } from './metrics/proxy-metrics';

/** The 429 for an unknown key past its address's first-use rate (bindRatePerAddress). */
const FIRST_USE_LIMITED = 'Too many new keys from this address; retry later';

/** What happens to one request, decided before anything is forwarded. */
type Gate =
  | { kind: 'sentinel' }
  | { kind: 'forward'; ip: Ip }
  | { kind: 'refuse'; status: number; code: 'bad_request' | 'ambiguous_credentials'; message: string }
  | { kind: 'guard'; ip: Ip; tokenHash: string; key: string };

/**
 * The guarded proxy: client IP → credential → binding decision → forward or refuse.
 * Steady state (known token, known IP) is synchronous and touches neither Redis nor PostgreSQL.
 */
@Injectable()
export class ProxyService implements OnApplicationShutdown {
  private readonly clientIp: ClientIpResolver;
  readonly forwarder: Forwarder;
  private failsafeLogged = 0;

  constructor(
    config: AppConfig,
    private readonly tokens: TokenIdentifier,
    private readonly decider: BindingDecider,
    private readonly usage: UsageRecorder,
    private readonly intercepts: InterceptRecorder,
    private readonly settings: RuntimeSettings,
    private readonly metrics: ProxyMetrics,
    private readonly logger: AppLogger,
  ) {
    this.clientIp = new ClientIpResolver(config.trustedProxies);
    this.forwarder = new Forwarder({
      target: config.downstreamUrl,
      timeoutMs: config.upstream.timeoutMs,
      connectTimeoutMs: config.upstream.connectTimeoutMs,
      body: config.body,
      websocket: config.websocket,
      onUpstreamLatency: (s) => metrics.upstreamLatency.observe(s),
      onError: (kind, error, path) => {
        metrics.upstreamErrors.labels(kind).inc();
        logger.warn('Upstream request failed', 'Proxy', {
          kind,
          code: (error as NodeJS.ErrnoException).code,
          path,
          error: error.message,
        });
      },
      onBodyTimeout: () => metrics.bodyTimeouts.inc(),
    });
    metrics.upgrades = this.forwarder.upgrades;
  }

  /** Every upgraded socket, for the graceful shutdown (1001 close frames, then destroy). */
  get upgrades(): UpgradeSockets {
    return this.forwarder.upgrades;
  }

  onApplicationShutdown(): void {
    this.forwarder.close();
  }

  /** Express-style entry: `next()` hands Sentinel's own routes to Nest. */
  handle(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const gate = this.gate(req);
    switch (gate.kind) {
      case 'sentinel':
        return next();
      case 'refuse':
        this.metrics.decisions.bad_request.inc();
        return sendNewApiError(res, gate.status, gate.code, gate.message, nextRequestId());
      case 'forward':
        return this.forwarder.web(req, res, gate.ip.canonical);
      case 'guard': {
        const binding = this.decider.cached(gate.tokenHash);
        if (binding !== undefined) {
          const verdict = evaluate(binding, gate.ip);
          // A learning binding's new address (or cached "full") is decided by the decider, not L1.
          if (verdict !== 'learn' && verdict !== 'address_limit') return this.apply(binding, verdict, gate, req, res);
        }
        this.decider.resolve(gate.tokenHash, maskToken(gate.key), gate.ip).then(
          (r) => this.applyResolution(r, gate, req, res),
          (e: unknown) => {
            this.logger.error('Binding decision failed', 'Proxy', { error: (e as Error).message });
            this.applyResolution({ kind: 'unavailable' }, gate, req, res);
          },
        );
        return;
      }
    }
  }

  /** Websocket upgrades get the same check; Sec-WebSocket-Protocol is forwarded unchanged. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Timeouts, the WS_MAX_OPEN bound (503) and the socket's end are Sentinel's from here on.
    if (!this.forwarder.upgrades.admit(socket)) return;
    const gate = this.gate(req);
    switch (gate.kind) {
      case 'sentinel':
        return void socket.destroy();
      case 'refuse':
        this.metrics.decisions.bad_request.inc();
        return rejectUpgrade(socket, gate.status, gate.code, gate.message, nextRequestId());
      case 'forward':
        return this.forwarder.ws(req, socket, head, gate.ip.canonical);
      case 'guard': {
        const go = (r: Resolution) => {
          if (r.kind === 'rate_limited') {
            this.metrics.decisions.rate_limited.inc();
            return rejectUpgrade(socket, 429, 'rate_limit_exceeded', FIRST_USE_LIMITED, nextRequestId());
          }
          if (r.kind === 'unavailable') {
            if (this.settings.current.failsafeMode === 'open') {
              this.countFailsafe(gate);
              return this.forwarder.ws(req, socket, head, gate.ip.canonical);
            }
            this.metrics.decisions.unavailable.inc();
            return rejectUpgrade(
              socket,
              503,
              'service_unavailable',
              'Sentinel cannot verify this token right now; retry shortly',
              nextRequestId(),
            );
          }
          const verdict = r.verdict;
          if (r.created) this.bindingCreated();
          if (verdict === 'allow') {
            this.allowed(gate);
            return this.forwarder.ws(req, socket, head, gate.ip.canonical);
          }
          const requestId = this.intercepted(r.binding, verdict, gate, req);
          rejectUpgrade(socket, 403, 'access_denied', denialMessage(verdict, gate.ip.canonical), requestId);
        };
        const binding = this.decider.cached(gate.tokenHash);
        if (binding !== undefined) {
          const verdict = evaluate(binding, gate.ip);
          if (verdict !== 'learn' && verdict !== 'address_limit')
            return go({ kind: 'binding', binding, created: false, verdict });
        }
        this.decider.resolve(gate.tokenHash, maskToken(gate.key), gate.ip).then(go, () => go({ kind: 'unavailable' }));
        return;
      }
    }
  }

  private gate(req: IncomingMessage): Gate {
    const url = req.url ?? '/';
    const route = classifyRoute(req.method ?? 'GET', url);
    if (route.routeClass === 'sentinel') return SENTINEL;
    // A request body is framed by Content-Length or by chunked as the LAST transfer coding
    // (RFC 9112 §6.3); anything else is refused here, before any binding decision. Node's parser
    // would refuse it too, but only once it reads the body — after this handler has decided.
    if (!bodyFramingOk(req.rawHeaders)) {
      return {
        kind: 'refuse',
        status: 400,
        code: 'bad_request',
        message: 'unsupported Transfer-Encoding: chunked must be the last coding',
      };
    }
    if (route.routeClass === 'reject') {
      return {
        kind: 'refuse',
        status: 400,
        code: 'bad_request',
        message: `malformed request path: ${route.reason ?? 'rejected'}`,
      };
    }

    const client = this.clientIp.resolve(req.socket.remoteAddress, req.rawHeaders);
    if (!client.ok) return { kind: 'refuse', status: 400, code: 'bad_request', message: client.message };

    const request = { method: req.method ?? 'GET', url, rawHeaders: req.rawHeaders };
    // New API's dashboard API and web UI pass through untouched (only positively known routes),
    // unless a dashboard-API request carries a relay key (isGuarded: fail closed on /api/*).
    if (route.routeClass === 'passthrough' && !isGuarded(route, request)) {
      this.metrics.decisions.passthrough.inc();
      return { kind: 'forward', ip: client.ip };
    }
    const credential = extractCredential(request, route);
    if (credential.kind === 'conflict') {
      return {
        kind: 'refuse',
        status: 400,
        code: 'ambiguous_credentials',
        message: `ambiguous credentials: ${credential.reason}`,
      };
    }
    if (credential.kind === 'none') {
      this.metrics.decisions.no_credential.inc();
      return { kind: 'forward', ip: client.ip };
    }
    // The id comes from the case-folded key: New API on MySQL finds a token whatever its case.
    return { kind: 'guard', ip: client.ip, tokenHash: this.tokens.idOf(credential.bindingKey), key: credential.key };
  }

  private applyResolution(
    r: Resolution,
    gate: Extract<Gate, { kind: 'guard' }>,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    if (res.destroyed) return; // the client left while we were deciding
    if (r.kind === 'rate_limited') {
      this.metrics.decisions.rate_limited.inc();
      const retryAfter = { 'retry-after': String(r.retryAfterSeconds) };
      return sendNewApiError(res, 429, 'rate_limit_exceeded', FIRST_USE_LIMITED, nextRequestId(), retryAfter);
    }
    if (r.kind === 'unavailable') {
      if (this.settings.current.failsafeMode === 'open') {
        this.countFailsafe(gate);
        return this.forwarder.web(req, res, gate.ip.canonical);
      }
      this.metrics.decisions.unavailable.inc();
      return sendNewApiError(
        res,
        503,
        'service_unavailable',
        'Sentinel cannot verify this token right now; retry shortly',
        nextRequestId(),
        {
          'retry-after': '5',
        },
      );
    }
    if (r.created) this.bindingCreated();
    this.apply(r.binding, r.verdict, gate, req, res);
  }

  private apply(
    binding: CompiledBinding,
    verdict: FinalVerdict,
    gate: Extract<Gate, { kind: 'guard' }>,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    if (verdict === 'allow') {
      this.allowed(gate);
      return this.forwarder.web(req, res, gate.ip.canonical);
    }
    const requestId = this.intercepted(binding, verdict, gate, req);
    sendNewApiError(res, 403, 'access_denied', denialMessage(verdict, gate.ip.canonical), requestId);
  }

  private allowed(gate: Extract<Gate, { kind: 'guard' }>): void {
    this.metrics.decisions.allowed.inc();
    this.usage.touch(gate.tokenHash, gate.ip.canonical);
    this.usage.count('allowed');
  }

  private bindingCreated(): void {
    this.metrics.bindingsCreated.inc();
    this.usage.count('new_bindings');
  }

  private intercepted(
    binding: CompiledBinding,
    verdict: Exclude<FinalVerdict, 'allow'>,
    gate: Extract<Gate, { kind: 'guard' }>,
    req: IncomingMessage,
  ): string {
    const requestId = nextRequestId();
    const s = binding.state;
    this.metrics.decisions.intercepted.inc();
    this.usage.count('intercepted');
    const ua = req.headers['user-agent'];
    this.intercepts.record({
      tokenHash: s.tokenHash,
      tokenMask: s.tokenMask,
      clientIp: gate.ip.canonical,
      ruleKind: s.ruleKind,
      ruleEntries: s.ruleEntries,
      bindingStatus: s.status,
      reason: verdict,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      userAgent: typeof ua === 'string' ? ua : null,
      requestId,
      at: new Date(),
    });
    this.logger.info('Request intercepted', 'Proxy', {
      requestId,
      tokenId: s.tokenHash.slice(0, 12),
      tokenMask: s.tokenMask,
      clientIp: gate.ip.canonical,
      reason: verdict,
    });
    return requestId;
  }

  private countFailsafe(gate: Extract<Gate, { kind: 'guard' }>): void {
    this.metrics.decisions.failsafe_passed.inc();
    this.usage.count('failsafe_passed');
    if (this.failsafeLogged++ % 100 === 0) {
      this.logger.warn('Failsafe open: passing a request without a binding check (storage unavailable)', 'Proxy', {
        tokenId: gate.tokenHash.slice(0, 12),
        clientIp: gate.ip.canonical,
        passedSoFar: this.failsafeLogged,
      });
    }
  }
}

const SENTINEL: Gate = Object.freeze({ kind: 'sentinel' });

/** Names the address Sentinel saw (the caller's own), never the bound one. */
function denialMessage(verdict: Exclude<FinalVerdict, 'allow'>, clientIp: string): string {
  if (verdict === 'address_limit')
    return `this API key has reached its limit of IP addresses (address_limit); requests from ${clientIp} are not allowed — ask the administrator of this gateway`;
  return verdict === 'banned'
    ? 'this API key has been banned by the Sentinel administrator'
    : `this API key is bound to another address; requests from ${clientIp} are not allowed — ask the administrator of this gateway`;
}
