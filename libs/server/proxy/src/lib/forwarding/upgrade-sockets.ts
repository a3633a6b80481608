import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { nextRequestId, rejectUpgrade } from '../errors/new-api-error';
import { CLOSE_GOING_AWAY, FrameCursor } from './ws-frames';

export interface UpgradeLimits {
  /** Until the upstream answers 101 (or a refusal / non-101 answer has been written). */
  handshakeTimeoutMs: number;
  /** An open websocket with no bytes either way for this long is closed. */
  idleTimeoutMs: number;
  /** Upgraded sockets at once; past it a new upgrade gets 503. */
  maxOpen: number;
}

/** One client socket that came through the server's `upgrade` event. */
interface Upgrade {
  /** The upstream handshake, until it is answered. */
  proxyReq?: ClientRequest;
  /** After the 101: the upstream socket and where its frames end. */
  upstream?: Socket;
  frames?: FrameCursor;
  /** Shutdown: the 1001 close frame has been queued (or is waiting for a frame boundary). */
  goingAway?: boolean;
}

/**
 * Sentinel owns the life of every upgraded socket: Node's HTTP server lets go of a socket once it
 * emits `upgrade` (no timeouts, not reached by closeAllConnections), and http-proxy 1.18.1's
 * websocket pass sets its timeout to 0, never ends the client socket after a non-101 answer and
 * only half-closes it when the upstream ends. So, for every upgrade:
 *  - a handshake timeout until the 101 (and while a refusal or non-101 answer is written), then an
 *    idle timeout (no bytes either way); either destroys the socket;
 *  - after a non-101 answer has been written, the socket is destroyed;
 *  - the upstream closing or failing ends the client socket, and the client socket closing
 *    destroys the upstream socket or aborts the pending upstream handshake;
 *  - at most `maxOpen` at once (503 past it), counted for the `sentinel_upgraded_sockets` gauge;
 *  - at shutdown, every open websocket gets a 1001 "going away" close frame, placed between two
 *    upstream frames, and whatever is left after the grace period is destroyed.
 */
export class UpgradeSockets {
  private readonly sockets = new Map<Duplex, Upgrade>();
  private openCount = 0;
  private closing = false;
  /** Upgrades refused because `maxOpen` were open (or the server was shutting down). */
  refused = 0;

  constructor(private readonly limits: UpgradeLimits) {}

  /** Sockets still in their handshake (no 101 yet). */
  get handshaking(): number {
    return this.sockets.size - this.openCount;
  }

  /** Websockets past their 101. */
  get open(): number {
    return this.openCount;
  }

  /** Every upgraded socket Sentinel still holds. */
  get size(): number {
    return this.sockets.size;
  }

  /**
   * Takes charge of a socket from the server's `upgrade` event. False: over the bound or shutting
   * down; the socket has been answered 503 and will be closed.
   */
  admit(socket: Duplex): boolean {
    if (this.closing || this.sockets.size >= this.limits.maxOpen) {
      this.refused++;
      socket.on('error', destroyOnError);
      armTimeout(socket, this.limits.handshakeTimeoutMs);
      socket.on('timeout', destroyThis);
      rejectUpgrade(socket, {
        status: 503,
        code: 'service_unavailable',
        message: this.closing ? 'Sentinel is shutting down; retry shortly' : 'too many open websockets; retry shortly',
        requestId: nextRequestId(),
      });
      return false;
    }
    const entry: Upgrade = {};
    this.sockets.set(socket, entry);
    socket.on('error', destroyOnError);
    socket.on('timeout', destroyThis);
    armTimeout(socket, this.limits.handshakeTimeoutMs);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (entry.upstream) {
        this.openCount--;
        entry.upstream.destroy();
      } else {
        entry.proxyReq?.destroy(); // the client left before the 101: abort the upstream handshake
      }
    });
    return true;
  }

  /** The upstream handshake for an admitted socket (http-proxy's `proxyReqWs`). */
  forwarding(socket: Duplex, proxyReq: ClientRequest): void {
    const entry = this.sockets.get(socket);
    if (!entry) return;
    if (socket.destroyed) {
      proxyReq.destroy();
      return;
    }
    entry.proxyReq = proxyReq;
    // http-proxy has just set the socket's timeout to 0: the handshake timeout again.
    armTimeout(socket, this.limits.handshakeTimeoutMs);
    // Until the 101 nobody reads the client socket, so a client that leaves would go unnoticed
    // (a paused socket never reports its end). Read it: what comes early (the bytes after the
    // header block among them, which http-proxy has put back) is kept and put back for the pipe
    // at the 101; a client that ends or half-closes before it aborts the upstream handshake.
    let early: Buffer[] | null = [];
    let earlyBytes = 0;
    const onEarlyData = (chunk: Buffer): void => {
      if (early === null) return; // a non-101 answer: the rest is dropped
      early.push(chunk);
      earlyBytes += chunk.length;
      if (earlyBytes > MAX_EARLY_BYTES) socket.destroy();
    };
    socket.on('data', onEarlyData);
    socket.once('end', destroyThis);
    proxyReq.once('response', (res: IncomingMessage) => {
      // Not a 101: http-proxy writes the answer and pipes its body, then at most half-closes the
      // socket. Destroy it once the answer has been written (or the upstream broke off).
      entry.proxyReq = undefined;
      early = null;
      socket.removeListener('end', destroyThis);
      socket.once('finish', destroyThis);
      res.once('close', () => {
        if (!res.complete) socket.destroy();
      });
    });
    proxyReq.once('upgrade', (_res: IncomingMessage, upstream: Socket) => {
      entry.proxyReq = undefined;
      if (socket.destroyed) {
        upstream.destroy();
        return;
      }
      // Runs before http-proxy's own listener, which pipes the sockets (and resumes this one).
      socket.removeListener('data', onEarlyData);
      socket.removeListener('end', destroyThis);
      socket.pause();
      if (early !== null && early.length > 0) socket.unshift(early.length === 1 ? early[0] : Buffer.concat(early));
      early = null;
      entry.upstream = upstream;
      entry.frames = new FrameCursor();
      this.openCount++;
      armTimeout(socket, this.limits.idleTimeoutMs);
      const frames = entry.frames;
      upstream.on('data', (chunk: Buffer) => {
        if (!entry.goingAway) frames.feed(chunk);
      });
      upstream.once('close', () => endThenDestroy(socket, this.limits.handshakeTimeoutMs));
      if (this.closing) this.goAway(socket, entry);
    });
  }

  /**
   * Shutdown, step 1: refuse new upgrades and send every open websocket a 1001 close frame. The
   * client's answering close frame still reaches the upstream; the upstream then closes, and so
   * does the client socket.
   */
  goingAway(): void {
    this.closing = true;
    for (const [socket, entry] of this.sockets) if (entry.upstream) this.goAway(socket, entry);
  }

  /** Shutdown, step 2 (grace period over): destroy whatever is left. */
  destroyAll(): void {
    this.closing = true;
    for (const socket of [...this.sockets.keys()]) socket.destroy();
  }

  private goAway(socket: Duplex, entry: Upgrade): void {
    if (entry.goingAway || !entry.upstream || !entry.frames) return;
    entry.goingAway = true;
    const upstream = entry.upstream;
    const frames = entry.frames;
    // No more upstream bytes straight to the client: only the rest of the frame under way.
    // What the upstream sends after that is read and dropped (the listener from forwarding()
    // keeps the socket flowing), so that its close is still seen.
    upstream.unpipe(socket);
    upstream.resume();
    if (frames.atBoundary) {
      socket.write(CLOSE_GOING_AWAY);
      return;
    }
    const onData = (chunk: Buffer): void => {
      const end = frames.feed(chunk, true);
      socket.write(end === chunk.length ? chunk : chunk.subarray(0, end));
      if (frames.atBoundary) {
        upstream.removeListener('data', onData);
        socket.write(CLOSE_GOING_AWAY);
      }
    };
    upstream.on('data', onData);
  }
}

/** Bytes a client may send before the 101 (they wait in memory for it). */
const MAX_EARLY_BYTES = 64 * 1024;

function armTimeout(socket: Duplex, ms: number): void {
  (socket as Socket).setTimeout?.(ms);
}

function destroyThis(this: Duplex): void {
  this.destroy();
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** End the socket, and destroy it once written; the timeout still bounds a client that never reads. */
function endThenDestroy(socket: Duplex, timeoutMs: number): void {
  if (socket.destroyed) return;
  armTimeout(socket, timeoutMs);
  if (socket.writableFinished) return void socket.destroy();
  socket.once('finish', destroyThis);
  socket.end();
}
