/**
 * One fallback stream (docs/protocol.md, "HTTP fallback"): a virtual visitor socket whose
 * server-to-client side is a queue of Server-Sent Events bytes the route streams out, and whose
 * client-to-server side is posts of numbered frames. To the core it is a {@link Peer} like any
 * WebSocket, run by the same visitor protocol (`openVisitor`), so acks, rate limits, the origin
 * check and heartbeats are those of the socket.
 *
 * The queue is bounded like a socket's send buffer: a reader that falls more than
 * `maxBufferedBytes` behind is closed as a slow consumer (4009) and resumes from its last seq.
 * Closing queues an `event: close` naming the code, then ends the body; a reader that does not
 * take even that within the grace is cut off ({@link FallbackSession.signal}).
 *
 * @module
 */

import { CloseCode } from "../../protocol/codes.ts";
import type { Peer } from "../sockets/peer.ts";
import type { SocketHandlers } from "../sockets/socket.ts";
import { FrameOrder } from "./order.ts";

/**
 * The first bytes of every stream: a 2 KiB comment, so proxies and browsers that buffer the start
 * of a response pass the events on at once.
 */
export const PADDING = `: ${" ".repeat(2044)}\n\n`;

/** The comment sent after this long without writing, so idle proxies keep the stream. */
export const KEEP_ALIVE_MS = 15_000;

/** How long the reader may take to read the close event before the body is cut off. */
export const CLOSE_GRACE_MS = 3000;

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");

/**
 * The seq an SSE `id:` names for a frame: a message's or an ack's, read from the already
 * serialised frame (the fan-out sends JSON strings; `seq` follows the ids, which as JSON strings
 * cannot hold an unescaped quote). Null for every other frame.
 */
export function eventSeq(text: string): number | null {
  if (!text.startsWith('{"type":"message"') && !text.startsWith('{"type":"ack"')) return null;
  const m = /"seq":(\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}

/** How a session reports its end to whoever keeps it. */
export interface SessionOwner {
  /** The session ended (closed, or its reader went away): forget it. */
  ended(session: FallbackSession): void;
}

/** Options shared by every session of a server. */
export interface SessionOptions {
  /** Unread bytes beyond which the stream is closed as a slow consumer (4009). */
  maxBufferedBytes: number;
  /** How long the close event may wait for the reader (default {@link CLOSE_GRACE_MS}). */
  graceMs?: number;
}

let counter = 0;

/** One stream: the peer the core sends to, its byte queue, and its inbound frame order. */
export class FallbackSession implements Peer {
  /** Short id for logs. */
  readonly id = `f${(++counter).toString(36)}`;
  /** Aborted when the body must end without its reader (a close never read). */
  readonly signal: AbortSignal;
  /** When the last bytes were queued (ms), for the keep-alive. */
  lastWriteAt = Date.now();
  readonly #abort = new AbortController();
  readonly #order = new FrameOrder();
  #handlers: SocketHandlers | null = null;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #wake: (() => void) | null = null;
  /** No more frames are sent: the close event is queued (or the reader is gone). */
  #closing = false;
  /** The core was told (`onClose`) and the owner too. */
  #ended = false;
  /** The body is over: read to the end, cancelled or aborted. */
  #finished = false;
  #grace: ReturnType<typeof setTimeout> | undefined;

  /** A session named `streamId`; call {@link FallbackSession.start} next. */
  constructor(
    readonly streamId: string,
    readonly options: SessionOptions,
    readonly owner: SessionOwner,
    /** Called once the body is over (the route frees the address's socket slot). */
    readonly onFinished: () => void,
  ) {
    this.signal = this.#abort.signal;
    this.#push(encoder.encode(PADDING + `event: open\ndata: {"stream":"${streamId}"}\n\n`));
  }

  /** Attaches the core's protocol (`core.openVisitor(session, ctx)`). */
  start(handlers: SocketHandlers): void {
    this.#handlers = handlers;
  }

  /** Whether frames are still taken. */
  get open(): boolean {
    return !this.#closing;
  }

  /** The index of the next inbound frame expected. */
  get next(): number {
    return this.#order.next;
  }

  /** Serialises a frame as one SSE event; closes a slow reader instead. */
  send(frame: unknown): void {
    if (this.#closing) return;
    if (this.#bytes > this.options.maxBufferedBytes) {
      this.close(CloseCode.SlowConsumer, "Slow consumer");
      return;
    }
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    const seq = eventSeq(text);
    this.#push(
      encoder.encode(seq === null ? `data: ${text}\n\n` : `id: ${seq}\ndata: ${text}\n\n`),
    );
  }

  /** Queues the close event, ends the body once it is read, and ends the virtual socket. */
  close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    // A slow consumer is not waited for: what it has not read is dropped with the stream.
    if (code === CloseCode.SlowConsumer) {
      this.#chunks = [];
      this.#bytes = 0;
    }
    this.#push(encoder.encode(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`));
    this.#grace = setTimeout(() => this.#finish(true), this.options.graceMs ?? CLOSE_GRACE_MS);
    // As a WebSocket's close event, after the caller's own turn: the core may be iterating its
    // sockets when it closes one.
    queueMicrotask(() => this.#end());
  }

  /**
   * Takes the frames of one post, the first at index `n`, and hands those now in order to the
   * protocol. Returns the index of the next frame expected.
   */
  receive(n: number, frames: readonly string[]): number {
    if (this.#closing) return this.#order.next;
    const { apply, overflow } = this.#order.accept(n, frames);
    for (const text of apply) {
      if (this.#closing) break;
      this.#handlers?.onText(text);
    }
    if (overflow) this.close(CloseCode.Policy, "Too many frames out of order");
    return this.#order.next;
  }

  /** Queues a keep-alive comment when nothing was written for `idleMs`. */
  keepAlive(now: number, idleMs = KEEP_ALIVE_MS): void {
    if (!this.#closing && now - this.lastWriteAt >= idleMs) this.#push(KEEP_ALIVE);
  }

  /** The next bytes for the body; null once it is over. */
  async read(): Promise<Uint8Array | null> {
    while (this.#chunks.length === 0) {
      if (this.#closing || this.#finished) {
        this.#finish(false);
        return null;
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    return chunks.length === 1 ? chunks[0] : concat(chunks);
  }

  /** The reader went away (the client closed the stream, or its connection broke). */
  cancel(): void {
    this.#closing = true;
    this.#chunks = [];
    this.#bytes = 0;
    this.#finish(false);
    this.#end();
  }

  #push(bytes: Uint8Array): void {
    if (this.#finished) return;
    this.#chunks.push(bytes);
    this.#bytes += bytes.byteLength;
    this.lastWriteAt = Date.now();
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.owner.ended(this);
    this.#handlers?.onClose();
    this.#handlers = null;
  }

  #finish(abort: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#grace);
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    if (abort) this.#abort.abort();
    this.onFinished();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
