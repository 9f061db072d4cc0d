/**
 * A WebSocket client for integration tests: buffers every frame so a test can wait for the
 * next frame matching a predicate without racing the network.
 *
 * @module
 */

import { PATIENCE_MS } from "./wait.ts";

/** A parsed server frame. */
export type Frame = { type: string } & Record<string, unknown>;

/** A connected test socket. */
export class TestSocket {
  readonly frames: Frame[] = [];
  #taken = new Set<number>();
  #waiters: (() => void)[] = [];
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The close code and reason once the socket has closed (for failure messages). */
  closeInfo: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data)) as Frame;
      // Answer heartbeats like a real client so long tests are not closed as dead.
      if (frame.type === "ping") ws.send(JSON.stringify({ type: "pong" }));
      this.frames.push(frame);
      for (const w of this.#waiters.splice(0)) w();
    };
    this.closed = new Promise((resolve) => {
      ws.onclose = (e) => {
        this.closeInfo = { code: e.code, reason: e.reason };
        resolve(this.closeInfo);
        for (const w of this.#waiters.splice(0)) w();
      };
    });
  }

  /** Opens a socket; rejects when the upgrade is refused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    // Deno accepts request headers as a second-argument option (non-standard).
    const ws = new WebSocket(url, { headers } as unknown as string[]);
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(socket);
      ws.onerror = (e) => reject(new Error(`WebSocket failed: ${(e as ErrorEvent).message ?? ""}`));
    });
  }

  /** Sends a frame (an object is serialised; a string is sent raw). */
  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Waits for the earliest frame matching `pred` that no earlier call returned. Frames are
   * matched in arrival order but independently of each other, so tests do not depend on the
   * interleaving of unrelated frames. The default deadline is {@link PATIENCE_MS}: a frame
   * that comes ends the wait at once, and a loaded machine can delay one by seconds.
   */
  async next(
    pred: (f: Frame) => boolean = () => true,
    timeoutMs = PATIENCE_MS,
  ): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        if (!this.#taken.has(i) && pred(this.frames[i])) {
          this.#taken.add(i);
          return this.frames[i];
        }
      }
      if (this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(
          `Socket closed (${JSON.stringify(this.closeInfo)}) while waiting; frames: ${
            JSON.stringify(this.recent())
          }`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`Timed out waiting for a frame; recent: ${JSON.stringify(this.recent())}`);
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

  /**
   * Sends a `ping` and waits for its `pong`. The server answers a socket's frames in order, so
   * when the pong arrives, everything the server had sent this socket before it has arrived
   * too: a barrier for "nothing else came" checks, instead of a sleep.
   */
  async roundTrip(): Promise<void> {
    const from = this.frames.length;
    this.send({ type: "ping" });
    await this.next((f) => f.type === "pong" && this.frames.indexOf(f) >= from);
  }

  /** All frames received so far of `type`. */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Closes the socket and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
    await this.closed;
  }

  private recent(): Frame[] {
    return this.frames.slice(-5);
  }
}
