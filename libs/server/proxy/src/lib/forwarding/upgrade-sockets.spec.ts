import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Forwarder } from './forwarder';
import { CLOSE_GOING_AWAY } from './ws-frames';

/**
 * UpgradeSockets through the real Forwarder, on loopback: a stand-in for Sentinel's upgrade
 * listener in front of an upstream that answers 101 by hand and then writes the frames a test
 * gives it.
 */

const listen = (server: Server) =>
  new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));

async function until(probe: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An unmasked binary frame with `n` payload bytes (n < 126). */
const frame = (n: number, fill = 0x61) => Buffer.concat([Buffer.from([0x82, n]), Buffer.alloc(n, fill)]);

describe('UpgradeSockets (through the Forwarder)', () => {
  let upstream: Server;
  let front: Server;
  let forwarder: Forwarder;
  let upstreamSocket: Socket | undefined;
  let upstreamClosed = false;
  let client: Socket;
  let received: Buffer;
  let clientClosed = false;

  async function start(idleTimeoutMs: number): Promise<void> {
    upstream = createServer();
    upstream.on('upgrade', (_req, socket: Socket) => {
      upstreamSocket = socket;
      socket.on('error', () => undefined);
      socket.resume();
      socket.once('close', () => (upstreamClosed = true));
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    const upstreamPort = await listen(upstream);
    forwarder = new Forwarder({
      target: new URL(`http://127.0.0.1:${upstreamPort}`),
      timeoutMs: 60_000,
      connectTimeoutMs: 5_000,
      websocket: { handshakeTimeoutMs: 5_000, idleTimeoutMs, maxOpen: 10 },
    });
    front = createServer();
    front.on('upgrade', (req, socket, head) => {
      if (forwarder.upgrades.admit(socket)) forwarder.ws(req, socket, head, '127.0.0.1');
    });
    const frontPort = await listen(front);
    received = Buffer.alloc(0);
    clientClosed = false;
    upstreamClosed = false;
    upstreamSocket = undefined;
    client = connect(frontPort, '127.0.0.1');
    client.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    client.on('error', () => undefined);
    client.once('close', () => (clientClosed = true));
    client.write(
      'GET /v1/realtime HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await until(() => received.includes('\r\n\r\n') && forwarder.upgrades.open === 1, 'the 101 came through');
  }

  /** What the client got after the 101's header block. */
  const frames = () => received.subarray(received.indexOf('\r\n\r\n') + 4);

  afterEach(async () => {
    client?.destroy();
    forwarder?.upgrades.destroyAll();
    forwarder?.close();
    await new Promise((r) => front?.close(r));
    upstream?.closeAllConnections();
    upstreamSocket?.destroy();
    await new Promise((r) => upstream?.close(r));
  });

  it('at shutdown, the close frame waits for the frame under way, and nothing after it is sent', async () => {
    await start(60_000);
    const first = frame(100);
    upstreamSocket?.write(first.subarray(0, 40));
    await until(() => frames().length === 40, 'the first 40 bytes arrived');
    forwarder.upgrades.goingAway();
    upstreamSocket?.write(Buffer.concat([first.subarray(40), frame(10, 0x62)]));
    await until(() => frames().length >= first.length + CLOSE_GOING_AWAY.length, 'the close frame arrived');
    await new Promise((r) => setTimeout(r, 50));
    expect(frames()).toEqual(Buffer.concat([first, CLOSE_GOING_AWAY]));
    // The client's own close frame still reaches the upstream, which then closes: so does the client.
    upstreamSocket?.end();
    await until(() => clientClosed, 'the client socket was closed');
    await until(() => forwarder.upgrades.size === 0, 'the socket was let go');
  });

  it('at shutdown between frames, the close frame goes at once', async () => {
    await start(60_000);
    upstreamSocket?.write(frame(5));
    await until(() => frames().length === 7, 'the frame arrived');
    forwarder.upgrades.goingAway();
    await until(() => frames().length === 7 + CLOSE_GOING_AWAY.length, 'the close frame arrived');
    expect(frames().subarray(7)).toEqual(CLOSE_GOING_AWAY);
  });

  it('an open websocket idle for the idle timeout is closed on both sides', async () => {
    await start(300);
    await until(() => clientClosed && upstreamClosed, 'both sides were closed');
    await until(() => forwarder.upgrades.size === 0, 'the socket was let go');
    expect(forwarder.upgrades.open).toBe(0);
  });

  it('the upstream closing ends the client socket', async () => {
    await start(60_000);
    upstreamSocket?.destroy();
    await until(() => clientClosed, 'the client socket was closed');
    await until(() => forwarder.upgrades.size === 0, 'the socket was let go');
  });
});
