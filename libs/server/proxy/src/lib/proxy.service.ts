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
import { nextRequestId, rejectUpgrade, sendRefusal, type NewApiErrorCode, type Refusal } from './errors/new-api-error';
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

type Guard = Extract<Gate, { kind: 'guard' }>;

/**
 * The decision for one request, the same for an HTTP request and a websocket upgrade (as
 * node-http-proxy's passes are shared by web and ws); each adapter only answers it, on a
 * ServerResponse or on the raw socket. Counting, bookkeeping, intercept rows and logs happen in
 * decide(), once, whichever path asked.
 */
export type Outcome =
  /** One of Sentinel's own routes (HTTP: Nest answers it; an upgrade to one is closed). */
  | { readonly kind: 'sentinel' }
  | { readonly kind: 'forward'; readonly clientIp: string }
  | { readonly kind: 'refuse'; readonly refusal: Refusal }
  /** The client left while the binding was decided: nothing is answered, counted or recorded. */
  | { readonly kind: 'gone' };

type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What decide() needs of the client's side: whether it is still there (ServerResponse or socket). */
interface Client {
  readonly destroyed: boolean;
}

/**
 * The guarded proxy: client IP → credential → binding decision → forward or refuse.
 * Steady state (known token, known IP) is synchronous and touches neither Redis nor PostgreSQL.
 */
@Injectable()
export class ProxyService implements OnApplicationShutdown {
  private readonly clientIp: ClientIpResolver;
  private readonly forwarder: Forwarder;
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

  /** HTTP adapter: `framework` (Express and Nest) gets Sentinel's own routes. */
  handle(req: IncomingMessage, res: ServerResponse, framework: HttpHandler): void {
    const outcome = this.decide(req, res);
    if (outcome instanceof Promise) outcome.then((o) => this.answerHttp(o, req, res, framework));
    else this.answerHttp(outcome, req, res, framework);
  }

  /** Websocket adapter: the same decision; Sec-WebSocket-Protocol is forwarded unchanged. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Timeouts, the WS_MAX_OPEN bound (503) and the socket's end are UpgradeSockets' from here on.
    if (!this.forwarder.upgrades.admit(socket)) return;
    const outcome = this.decide(req, socket);
    if (outcome instanceof Promise) outcome.then((o) => this.answerUpgrade(o, req, socket, head));
    else this.answerUpgrade(outcome, req, socket, head);
  }

  private answerHttp(o: Outcome, req: IncomingMessage, res: ServerResponse, framework: HttpHandler): void {
    switch (o.kind) {
      case 'sentinel':
        return framework(req, res);
      case 'forward':
        return this.forwarder.web(req, res, o.clientIp);
      case 'refuse':
        return sendRefusal(res, o.refusal);
      case 'gone':
        return;
    }
  }

  private answerUpgrade(o: Outcome, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    switch (o.kind) {
      case 'sentinel':
        return void socket.destroy();
      case 'forward':
        return this.forwarder.ws(req, socket, head, o.clientIp);
      case 'refuse':
        return rejectUpgrade(socket, o.refusal);
      case 'gone':
        return;
    }
  }

  /**
   * The decision: synchronous when the request needs no binding lookup or L1 decides it (the
   * cached path allocates no promise), else once the decider has resolved the token.
   */
  decide(req: IncomingMessage, client: Client): Outcome | Promise<Outcome> {
    const gate = this.gate(req);
    switch (gate.kind) {
      case 'sentinel':
        return SENTINEL;
      case 'refuse':
        this.metrics.decisions.bad_request.inc();
        return refuse(gate.status, gate.code, gate.message);
      case 'forward':
        return { kind: 'forward', clientIp: gate.ip.canonical };
      case 'guard': {
        const binding = this.decider.cached(gate.tokenHash);
        if (binding !== undefined) {
          const verdict = evaluate(binding, gate.ip);
          // A learning binding's new address (or cached "full") is decided by the decider, not L1.
          if (verdict !== 'learn' && verdict !== 'address_limit') return this.verdict(binding, verdict, gate, req);
        }
        return this.decider.resolve(gate.tokenHash, maskToken(gate.key), gate.ip).then(
          (r) => (client.destroyed ? GONE : this.resolved(r, gate, req)),
          (e: unknown) => {
            this.logger.error('Binding decision failed', 'Proxy', { error: (e as Error).message });
            return client.destroyed ? GONE : this.resolved(UNAVAILABLE, gate, req);
          },
        );
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

  private resolved(r: Resolution, gate: Guard, req: IncomingMessage): Outcome | Promise<Outcome> {
    if (r.kind === 'rate_limited') {
      this.metrics.decisions.rate_limited.inc();
      return refuse(429, 'rate_limit_exceeded', FIRST_USE_LIMITED, { 'retry-after': String(r.retryAfterSeconds) });
    }
    if (r.kind === 'unavailable') {
      if (this.settings.current.failsafeMode === 'open') {
        this.countFailsafe(gate);
        return { kind: 'forward', clientIp: gate.ip.canonical };
      }
      this.metrics.decisions.unavailable.inc();
      return refuse(503, 'service_unavailable', 'Sentinel cannot verify this token right now; retry shortly', {
        'retry-after': '5',
      });
    }
    if (r.created) this.bindingCreated();
    return this.verdict(r.binding, r.verdict, gate, req);
  }

  private verdict(
    binding: CompiledBinding,
    verdict: FinalVerdict,
    gate: Guard,
    req: IncomingMessage,
  ): Outcome | Promise<Outcome> {
    if (verdict === 'allow') {
      this.allowed(gate);
      return { kind: 'forward', clientIp: gate.ip.canonical };
    }
    const { requestId, committed } = this.intercepted(binding, verdict, gate, req);
    const outcome: Outcome = {
      kind: 'refuse',
      refusal: { status: 403, code: 'access_denied', message: denialMessage(verdict, gate.ip.canonical), requestId },
    };
    // Durable denials: while PostgreSQL is up the 403 goes out once its row is committed (bounded
    // by interceptCommitWaitMs; docs/degraded-modes.md). Allowed requests never wait.
    return committed === undefined ? outcome : committed.then(() => outcome);
  }

  private allowed(gate: Guard): void {
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
    gate: Guard,
    req: IncomingMessage,
  ): { requestId: string; committed: Promise<void> | undefined } {
    const requestId = nextRequestId();
    const s = binding.state;
    this.metrics.decisions.intercepted.inc();
    this.usage.count('intercepted');
    const ua = req.headers['user-agent'];
    const committed = this.intercepts.record({
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
    return { requestId, committed };
  }

  private countFailsafe(gate: Guard): void {
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

const SENTINEL: Gate & Outcome = Object.freeze({ kind: 'sentinel' });
const GONE: Outcome = Object.freeze({ kind: 'gone' });
const UNAVAILABLE: Resolution = Object.freeze({ kind: 'unavailable' });

function refuse(status: number, code: NewApiErrorCode, message: string, headers?: Record<string, string>): Outcome {
  return { kind: 'refuse', refusal: { status, code, message, requestId: nextRequestId(), headers } };
}

/** Names the address Sentinel saw (the caller's own), never the bound one. */
function denialMessage(verdict: Exclude<FinalVerdict, 'allow'>, clientIp: string): string {
  if (verdict === 'address_limit')
    return `this API key has reached its limit of IP addresses (address_limit); requests from ${clientIp} are not allowed — ask the administrator of this gateway`;
  return verdict === 'banned'
    ? 'this API key has been banned by the Sentinel administrator'
    : `this API key is bound to another address; requests from ${clientIp} are not allowed — ask the administrator of this gateway`;
}
