import { CLOSE_GOING_AWAY, FrameCursor } from './ws-frames';

/** A frame as a server sends it (unmasked) or a client does (masked). */
function frame(payloadLength: number, masked = false, opcode = 0x2): Buffer {
  const ext = payloadLength < 126 ? 0 : payloadLength < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  header[0] = 0x80 | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (ext === 0) header[1] = maskBit | payloadLength;
  else if (ext === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(payloadLength, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
    header.writeUInt32BE(payloadLength % 2 ** 32, 6);
  }
  return Buffer.concat([header, Buffer.alloc(payloadLength, 0x7a)]);
}

describe('FrameCursor', () => {
  it('is at a boundary after whole frames of every length form, masked or not', () => {
    const cursor = new FrameCursor();
    expect(cursor.atBoundary).toBe(true);
    for (const f of [frame(0), frame(5), frame(125), frame(126), frame(70_000), frame(300, true), frame(0, true)]) {
      cursor.feed(f);
      expect(cursor.atBoundary).toBe(true);
    }
  });

  it('follows frames split anywhere, headers included, one byte at a time', () => {
    const stream = Buffer.concat([frame(3), frame(200, true), frame(66_000), frame(1)]);
    const ends = new Set([5, 5 + 208, 5 + 208 + 66_010, stream.length]);
    const cursor = new FrameCursor();
    const seen: number[] = [];
    for (let i = 0; i < stream.length; i++) {
      cursor.feed(stream.subarray(i, i + 1));
      if (cursor.atBoundary) seen.push(i + 1);
    }
    expect(seen).toEqual([...ends]);
  });

  it('with stopAtBoundary, returns where the frame under way ends', () => {
    const cursor = new FrameCursor();
    const first = frame(1_000);
    const second = frame(10);
    cursor.feed(first.subarray(0, 400));
    expect(cursor.atBoundary).toBe(false);
    const rest = Buffer.concat([first.subarray(400), second]);
    expect(cursor.feed(rest, true)).toBe(first.length - 400);
    expect(cursor.atBoundary).toBe(true);
    // A chunk that ends inside the frame: all of it, still not at a boundary.
    const c2 = new FrameCursor();
    expect(c2.feed(first.subarray(0, 10), true)).toBe(10);
    expect(c2.atBoundary).toBe(false);
  });

  it('a 64-bit length beyond 32 bits is read whole', () => {
    const cursor = new FrameCursor();
    const header = Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]); // 2^32 bytes
    cursor.feed(header);
    expect(cursor.atBoundary).toBe(false);
    expect(cursor.feed(Buffer.alloc(1024), true)).toBe(1024);
    expect(cursor.atBoundary).toBe(false);
  });

  it('the shutdown close frame is a final, unmasked close with code 1001', () => {
    expect(CLOSE_GOING_AWAY[0]).toBe(0x88);
    expect(CLOSE_GOING_AWAY[1] & 0x80).toBe(0);
    expect(CLOSE_GOING_AWAY[1]).toBe(CLOSE_GOING_AWAY.length - 2);
    expect(CLOSE_GOING_AWAY.readUInt16BE(2)).toBe(1001);
    expect(CLOSE_GOING_AWAY.subarray(4).toString()).toBe('going away');
  });
});
