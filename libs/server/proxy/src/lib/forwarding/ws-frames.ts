/**
 * Where the websocket frames (RFC 6455 §5.2) end in one direction of a proxied websocket, so that
 * Sentinel can put a frame of its own (the 1001 close at shutdown) between two frames instead of
 * into the middle of one. It reads only frame headers (2–14 bytes a frame) and skips payloads by
 * arithmetic; it never copies or inspects payload bytes. A control frame may come between the
 * frames of a fragmented message (§5.4), so any frame boundary will do.
 */
export class FrameCursor {
  /** Payload bytes of the current frame still to come. */
  private payloadLeft = 0;
  /** Header bytes of the next frame read so far (a header may be split across chunks). */
  private readonly header = Buffer.alloc(14);
  private headerHave = 0;
  private headerNeed = 2;

  /** Between two frames: nothing of a frame read, or all of it. */
  get atBoundary(): boolean {
    return this.payloadLeft === 0 && this.headerHave === 0;
  }

  /**
   * Reads `chunk` (the bytes that follow what was fed before). With `stopAtBoundary`, stops at the
   * first frame boundary after at least one byte and returns its offset; otherwise (or when the
   * chunk ends inside a frame) returns `chunk.length`.
   */
  feed(chunk: Uint8Array, stopAtBoundary = false): number {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, n - i);
        this.payloadLeft -= take;
        i += take;
        if (this.payloadLeft === 0 && stopAtBoundary) return i;
        continue;
      }
      this.header[this.headerHave++] = chunk[i++];
      if (this.headerHave === 2) {
        const len7 = this.header[1] & 0x7f;
        const masked = (this.header[1] & 0x80) !== 0;
        this.headerNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      }
      if (this.headerHave >= 2 && this.headerHave === this.headerNeed) {
        this.payloadLeft = this.payloadLength();
        this.headerHave = 0;
        this.headerNeed = 2;
        if (this.payloadLeft === 0 && stopAtBoundary) return i;
      }
    }
    return n;
  }

  private payloadLength(): number {
    const len7 = this.header[1] & 0x7f;
    if (len7 === 126) return this.header.readUInt16BE(2);
    if (len7 === 127) return this.header.readUInt32BE(2) * 2 ** 32 + this.header.readUInt32BE(6);
    return len7;
  }
}

/** A server-to-client (unmasked) close frame: 1001 "going away" (RFC 6455 §7.4.1). */
export const CLOSE_GOING_AWAY: Buffer = (() => {
  const reason = Buffer.from('going away', 'utf8');
  const frame = Buffer.alloc(4 + reason.length);
  frame[0] = 0x88; // FIN + opcode 8 (close)
  frame[1] = 2 + reason.length;
  frame.writeUInt16BE(1001, 2);
  reason.copy(frame, 4);
  return frame;
})();
