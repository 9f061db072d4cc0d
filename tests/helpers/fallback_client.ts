/**
 * A client of the HTTP fallback (docs/protocol.md, "HTTP fallback") for integration tests: opens
 * a stream with `fetch` and reads its Server-Sent Events from the streamed body, buffering every
 * frame so a test can wait for the next one matching a predicate, as `ws_client.ts` does for
 * sockets; posts numbered frames to any server (the stream's instance or another).
 *
 * @module
 */

import { PATIENCE_MS } from "./wait.ts";
import type { Frame } from "./ws_client.ts";

/** One SSE event as read from the stream. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** An open fallback stream. */
export class FallbackStream {
  /** The `message` events' frames, in order. */
  readonly frames: Frame[] = [];
  /** Every event, the `open` and `close` ones included. */
  readonly events: SseEvent[] = [];
  /** Comments received (the padding, keep-alives). */
  readonly comments: string[] = [];
  /** The close event's code and reason, once it came (or null when the body ended without). */
  readonly closed: Promise<{ code: number; reason: string } | null>;
  closeInfo: { code: number; reason: string } | null = null;
  /** The index of the next frame {@link FallbackStream.send} posts. */
  nextIndex = 0;
  #taken = new Set<number>();
  #waiters: (() => void)[] = [];
  #ended = false;
  #posting: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly url: string,
    readonly streamId: string,
    readonly response: Response,
    readonly abort: AbortController,
    readonly headers: Record<string, string>,
    reader: ReadableStreamDefaultReader<string>,
    rest: string,
  ) {
    this.closed = this.#read(reader, rest);
  }

  /**
   * Opens a stream on `url` (the server's base URL) with `headers` (an `Origin`, say) and waits
   * for its `open` event. Rejects with the status and body when the server refuses.
   */
  static async open(url: string, headers: Record<string, string> = {}): Promise<FallbackStream> {
    const abort = new AbortController();
    const res = await fetch(`${url}/fallback/visitor/stream`, {
      method: "POST",
      headers,
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body) {
      throw new FallbackRefused(res.status, await res.text(), res.headers);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`Stream ended before its open event: ${buf}`);
      buf += value;
      const m = /(?:^|\n\n)event: open\ndata: (\{[^\n]*\})\n\n/.exec(buf);
      if (m) {
        const streamId = (JSON.parse(m[1]) as { stream: string }).stream;
        const stream = new FallbackStream(url, streamId, res, abort, headers, reader, buf);
        return stream;
      }
    }
  }

  async #read(
    reader: ReadableStreamDefaultReader<string>,
    first: string,
  ): Promise<{ code: number; reason: string } | null> {
    let buf = first;
    try {
      for (;;) {
        let at: number;
        while ((at = buf.indexOf("\n\n")) >= 0) {
          this.#block(buf.slice(0, at));
          buf = buf.slice(at + 2);
        }
        const { done, value } = await reader.read();
        if (done) break;
        buf += value;
      }
    } catch {
      // Aborted, or the connection broke.
    }
    this.#ended = true;
    this.#wakeAll();
    return this.closeInfo;
  }

  #block(block: string): void {
    let event = "message";
    let id: string | null = null;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments.push(line);
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    if (data.length === 0) return;
    const e = { event, data: data.join("\n"), id };
    this.events.push(e);
    if (event === "message") {
      const frame = JSON.parse(e.data) as Frame;
      // Answer heartbeats like a real client so long tests are not closed as dead.
      if (frame.type === "ping") this.send({ type: "pong" }).catch(() => {});
      this.frames.push(frame);
    } else if (event === "close") {
      this.closeInfo = JSON.parse(e.data);
    }
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /**
   * Posts `frames` (objects are serialised) with the next indexes, after the previous post was
   * answered; to `via` (another instance's URL) when given. Resolves with the response.
   */
  send(...frames: unknown[]): Promise<Response> {
    return this.sendVia(this.url, ...frames);
  }

  /** {@link FallbackStream.send} through the server at `via`. */
  sendVia(via: string, ...frames: unknown[]): Promise<Response> {
    const texts = frames.map((f) => typeof f === "string" ? f : JSON.stringify(f));
    const n = this.nextIndex;
    this.nextIndex += texts.length;
    const posted = this.#posting.then(() => this.post(n, texts, via));
    this.#posting = posted.catch(() => {});
    return posted;
  }

  /** Posts `frames` as they are, the first at index `n`, to `via` (default: this server). */
  async post(n: number, frames: string[], via = this.url): Promise<Response> {
    const res = await fetch(`${via}/fallback/visitor/frames`, {
      method: "POST",
      headers: {
        ...this.headers,
        "content-type": "application/json",
        "x-parley-stream": this.streamId,
      },
      body: JSON.stringify({ n, frames }),
    });
    await res.body?.cancel().catch(() => {});
    return new Response(null, { status: res.status, headers: res.headers });
  }

  /** Waits for the earliest frame matching `pred` that no earlier call returned. */
  async next(pred: (f: Frame) => boolean = () => true, timeoutMs = PATIENCE_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        if (!this.#taken.has(i) && pred(this.frames[i])) {
          this.#taken.add(i);
          return this.frames[i];
        }
      }
      if (this.#ended) {
        throw new Error(
          `Stream ended (${JSON.stringify(this.closeInfo)}) while waiting; frames: ${
            JSON.stringify(this.frames.slice(-5))
          }`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `Timed out waiting for a frame; recent: ${JSON.stringify(this.frames.slice(-5))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the next frame of `type` (optionally also matching `pred`). */
  nextOf(type: string, pred: (f: Frame) => boolean = () => true, timeoutMs = PATIENCE_MS) {
    return this.next((f) => f.type === type && pred(f), timeoutMs);
  }

  /** Sends a `ping` and waits for its `pong`: everything sent before it has arrived. */
  async roundTrip(): Promise<void> {
    const from = this.frames.length;
    await this.send({ type: "ping" });
    await this.next((f) => f.type === "pong" && this.frames.indexOf(f) >= from);
  }

  /** All frames received so far of `type`. */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Goes away as a closed tab does: the body's reader is cancelled. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.closed;
    await this.#posting;
  }
}

/** A stream the server refused to open. */
export class FallbackRefused extends Error {
  constructor(readonly status: number, readonly body: string, readonly headers: Headers) {
    super(`Fallback stream refused: ${status} ${body}`);
  }
}
