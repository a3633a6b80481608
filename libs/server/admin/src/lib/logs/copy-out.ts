import type { Client } from 'pg';

/** Where the rows of a COPY go: Buffers, with backpressure. */
export interface CopySink {
  /** Called once PostgreSQL has started sending, before any row (a failure before it is a plain error). */
  start(): void;
  /** Like `Writable.write`: false asks for no more until `onDrain`'s callback; `done` once `chunk` is no longer needed. */
  write(chunk: Buffer, done: () => void): boolean;
  onDrain(resume: () => void): void;
  /** The consumer went away: the COPY is abandoned (its connection is destroyed). */
  onClose(abort: () => void): void;
}

/** `PGCOPY\n\377\r\n\0`, flags, header extension length: the binary COPY header (19 bytes). */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_LENGTH = SIGNATURE.length + 8;
/** Response writes are this size: many rows each, and a Buffer, so V8's heap sees no row. */
export const COPY_CHUNK_BYTES = 64 * 1024;

const ignore = (): void => undefined;

interface PgConnection {
  query(text: string): void;
  stream: { pause(): void; resume(): void; destroy(): void };
}

/**
 * Runs `COPY (<select of ONE text column>) TO STDOUT (FORMAT binary)` on `client` and hands the
 * column's bytes, row after row and unaltered, to `sink` in COPY_CHUNK_BYTES Buffers — no row ever
 * becomes a JavaScript string, so memory is a few chunks whatever the export's size and V8's heap
 * policy. Binary format, because text and CSV formats escape or quote the value; with one column
 * each row is `int16 1, int32 length, bytes` (PostgreSQL sends one CopyData message per row, the
 * file header inside the first). When the sink is full the connection's socket is paused, so
 * PostgreSQL waits instead of Node buffering. Uses pg's Submittable interface (as pg-cursor
 * and pg-copy-streams do); the statement is sent with the simple protocol, without parameters.
 */
export function copyOut(client: Client, sql: string, sink: CopySink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let connection: PgConnection | null = null;
    // Chunks are reused once written: the only Buffers allocated per row are the socket's reads.
    const spare: Buffer[] = [];
    const take = () => spare.pop() ?? Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let out = take();
    let used = 0;
    let started = false;
    let headerSeen = false;
    let settled = false; // failed or finished: nothing more happens on this connection
    // Ends the client first (so its socket's close is expected, not an 'error' event), then drops
    // the socket at once: PostgreSQL's next send fails and the backend abandons the COPY.
    const kill = () => {
      client.end().catch(() => undefined);
      connection?.stream.destroy();
    };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const flush = (last = false) => {
      if (used === 0) return;
      const full = out;
      out = take();
      const chunk = full.subarray(0, used);
      used = 0;
      const ok = sink.write(chunk, () => {
        if (spare.length < 4) spare.push(full);
      });
      // (Never pause after the last row: the connection goes back to the pool.)
      if (!ok && connection && !last) {
        const stream = connection.stream;
        stream.pause();
        sink.onDrain(() => stream.resume());
      }
    };
    const row = (data: Buffer) => {
      let at = 0;
      if (!headerSeen) {
        if (data.length < HEADER_LENGTH || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE))
          throw new Error('COPY: not a binary COPY header');
        at = HEADER_LENGTH + data.readUInt32BE(SIGNATURE.length + 4); // skip the header extension, if any
        headerSeen = true;
      }
      const fields = data.readInt16BE(at);
      if (fields === -1) return; // the file trailer
      if (fields !== 1) throw new Error(`COPY: expected one column, got ${fields}`);
      const length = data.readInt32BE(at + 2);
      const start = at + 6;
      if (length < 0 || start + length !== data.length) throw new Error('COPY: a row is not one CopyData message');
      if (used + length > out.length) flush();
      if (length > out.length) {
        sink.write(Buffer.from(data.subarray(start)), () => undefined); // a row longer than a chunk: on its own
        return;
      }
      data.copy(out, used, start);
      used += length;
    };
    const submittable = {
      submit(con: PgConnection) {
        connection = con;
        con.query(sql); // first: a consumer already gone destroys the socket after this write
        sink.onClose(() => {
          if (settled) return;
          fail(new Error('COPY abandoned: the consumer went away'));
          kill(); // the pool discards the ended client (TypeORM's runner handles its 'error')
        });
      },
      handleCopyData(msg: { chunk: Buffer }) {
        if (settled) return;
        try {
          if (!started) {
            started = true;
            sink.start();
          }
          row(msg.chunk);
        } catch (e) {
          fail(e as Error);
          kill();
        }
      },
      handleError(e: Error) {
        fail(e);
      },
      handleReadyForQuery() {
        if (settled) return;
        settled = true;
        if (!started) sink.start(); // (a COPY always sends its header, so not reached)
        flush(true);
        resolve();
      },
      // A COPY sends none of these but CommandComplete; pg calls them on the active query.
      handleRowDescription: ignore,
      handleDataRow: ignore,
      handleCommandComplete: ignore,
      handleEmptyQuery: ignore,
      handlePortalSuspended: ignore,
      handleCopyInResponse() {
        fail(new Error('COPY: unexpected COPY FROM'));
      },
    };
    (client as unknown as { query(q: typeof submittable): void }).query(submittable);
  });
}
