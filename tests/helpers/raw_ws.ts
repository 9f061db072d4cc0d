/**
 * A WebSocket client written on a bare TCP connection, for peers a browser never is: one that
 * stops reading (a slow consumer), one that vanishes without a close handshake (a dead peer),
 * one that sends raw or malformed frames. Frames it sends are masked, as RFC 6455 requires of
 * clients.
 *
 * @module
 */

const enc = new TextEncoder();

/** An upgraded raw connection. */
export class RawSocket {
  #buf: Uint8Array = new Uint8Array(0);

  private constructor(readonly conn: Deno.TcpConn, leftover: Uint8Array) {
    this.#buf = leftover;
  }

  /**
   * Connects and upgrades. Throws with the HTTP status line when the server refuses the
   * upgrade.
   */
  static async open(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<RawSocket> {
    const u = new URL(url);
    const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await writeAll(
      conn,
      enc.encode(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          `${extra}\r\n`,
      ),
    );
    let head: Uint8Array = new Uint8Array(0);
    for (;;) {
      const chunk = new Uint8Array(4096);
      const n = await conn.read(chunk);
      if (n === null) throw new Error("Connection closed during the upgrade");
      head = concat(head, chunk.subarray(0, n));
      const text = new TextDecoder().decode(head);
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const status = text.slice(0, text.indexOf("\r\n"));
      if (!status.includes(" 101 ")) {
        conn.close();
        throw new Error(`Upgrade refused: ${status}`);
      }
      return new RawSocket(conn, head.subarray(enc.encode(text.slice(0, end + 4)).length));
    }
  }

  /** Sends one masked frame with `opcode` (1 text, 2 binary, 8 close, 9 ping, 10 pong). */
  async sendFrame(opcode: number, payload: Uint8Array, fin = true): Promise<void> {
    await writeAll(this.conn, encodeFrame(opcode, payload, fin));
  }

  /** Sends a text frame. */
  sendText(text: string): Promise<void> {
    return this.sendFrame(1, enc.encode(text));
  }

  /**
   * Reads the next frame (text or close); answers nothing automatically. Returns null at the
   * end of the stream or after `timeoutMs`.
   */
  async readFrame(
    timeoutMs = 5000,
  ): Promise<{ opcode: number; payload: Uint8Array } | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = decodeFrame(this.#buf);
      if (frame) {
        this.#buf = this.#buf.subarray(frame.length);
        return { opcode: frame.opcode, payload: frame.payload };
      }
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const chunk = new Uint8Array(65536);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        this.conn.read(chunk),
        new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
      ]).finally(() => clearTimeout(timer));
      if (n === "timeout") return null;
      if (n === null) return null;
      this.#buf = concat(this.#buf, chunk.subarray(0, n));
    }
  }

  /** Reads text frames until one parses to a JSON object matching `pred`. */
  async readJson(
    pred: (f: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.readFrame(Math.max(1, deadline - Date.now()));
      if (!frame) throw new Error("No matching frame before the timeout or the end");
      if (frame.opcode === 8) throw new Error(`Closed: ${closeCode(frame.payload)}`);
      if (frame.opcode !== 1) continue;
      const v: unknown = JSON.parse(new TextDecoder().decode(frame.payload));
      if (v && typeof v === "object" && pred(v as Record<string, unknown>)) {
        return v as Record<string, unknown>;
      }
    }
  }

  /** Drops the TCP connection without a close handshake. */
  abort(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** The status code carried by a close frame's payload (1005 when absent). */
export function closeCode(payload: Uint8Array): number {
  return payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Encodes a masked client frame. */
export function encodeFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const len = payload.length;
  const headerLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = new Uint8Array(headerLen + 4 + len);
  out[0] = (fin ? 0x80 : 0) | opcode;
  if (len < 126) {
    out[1] = 0x80 | len;
  } else if (len < 65536) {
    out[1] = 0x80 | 126;
    out[2] = len >> 8;
    out[3] = len & 0xff;
  } else {
    out[1] = 0x80 | 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(len));
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  out.set(mask, headerLen);
  for (let i = 0; i < len; i++) out[headerLen + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

function decodeFrame(
  buf: Uint8Array,
): { opcode: number; payload: Uint8Array; length: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0] & 0x0f;
  let len = buf[1] & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = (buf[2] << 8) | buf[3];
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(2));
    off = 10;
  }
  if (buf[1] & 0x80) off += 4; // servers never mask, but be lenient
  if (buf.length < off + len) return null;
  return { opcode, payload: buf.slice(off, off + len), length: off + len };
}
