// A TCP relay that counts the commands a client sends to Redis (RESP arrays) or PostgreSQL
// (frontend protocol messages: Query, Parse/Bind/Execute, …), so the benchmark can report storage
// round trips per request from the wire, independent of other users of the shared servers.
import net from 'node:net';

export function countingRelay(targetPort, protocol, targetHost = '127.0.0.1') {
  const counts = { commands: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    const parser = protocol === 'redis' ? redisCounter(counts) : postgresCounter(counts);
    client.on('data', (chunk) => {
      parser(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, counts, close: () => server.close() })),
  );
}

/** Counts top-level RESP arrays (one per command), across chunk boundaries. */
function redisCounter(counts) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = skipValue(buf, 0);
      if (end < 0) return;
      counts.commands++;
      buf = buf.subarray(end);
    }
  };
}
function skipValue(b, i) {
  if (i >= b.length) return -1;
  const nl = b.indexOf('\r\n', i);
  if (nl < 0) return -1;
  const type = String.fromCharCode(b[i]);
  const n = Number(b.toString('latin1', i + 1, nl));
  let p = nl + 2;
  if (type === '*') {
    for (let k = 0; k < n; k++) {
      p = skipValue(b, p);
      if (p < 0) return -1;
    }
    return p;
  }
  if (type === '$') return n < 0 ? p : p + n + 2 <= b.length ? p + n + 2 : -1;
  return p; // inline / simple
}

/** Counts Query ('Q') and Execute ('E') messages of the PostgreSQL frontend protocol. */
function postgresCounter(counts) {
  let buf = Buffer.alloc(0);
  let started = false;
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!started) {
        if (buf.length < 4) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        buf = buf.subarray(len);
        if (code !== 80877103) started = true; // an SSLRequest is followed by the real startup
        continue;
      }
      if (buf.length < 5) return;
      const len = buf.readInt32BE(1);
      if (buf.length < 1 + len) return;
      const type = String.fromCharCode(buf[0]);
      if (type === 'Q' || type === 'E') counts.commands++;
      buf = buf.subarray(1 + len);
    }
  };
}
