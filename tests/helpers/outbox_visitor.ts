/**
 * A scripted visitor that behaves like a well-made widget: every message goes into an outbox with
 * a client id and leaves it only when acknowledged; frames are sent only once `welcome` arrived,
 * at most {@link WINDOW} unacknowledged at a time, in writing order. After a reconnect, and after
 * a retryable error (one jittered timer, growing while refusals go on), sending starts again
 * from the oldest unacknowledged message with the same client ids. It records every ack, error
 * and close so fault tests can check what the server promised.
 *
 * @module
 */

import { backoffDelay } from "../../protocol/backoff.ts";
import { FATAL_CLOSE_CODES } from "../../protocol/codes.ts";

/** Messages sent and not yet acknowledged, at most. */
export const WINDOW = 5;

/** One ack as received. */
export interface AckRecord {
  clientId: string;
  messageId: string;
  conversationId: string;
  seq: number;
}

/** Options of {@link OutboxVisitor}. */
export interface OutboxVisitorOptions {
  /** Base URL, e.g. `ws://127.0.0.1:8000`. */
  wsUrl: string;
  site?: string;
  /** Upper bound of the reconnect backoff. */
  maxBackoffMs?: number;
}

type Frame = { type: string } & Record<string, unknown>;

/** A reconnecting visitor with an outbox. */
export class OutboxVisitor {
  token: string | null = null;
  conversationId: string | null = null;
  lastSeq = 0;
  /** Messages written and not yet acknowledged, in writing order. */
  readonly outbox: { clientId: string; body: string }[] = [];
  /** Every ack, in arrival order (duplicates included). */
  readonly acks: AckRecord[] = [];
  /** Every error frame. */
  readonly errors: Frame[] = [];
  /** Close codes seen, in order. */
  readonly closes: number[] = [];
  /** Longest time from writing a message to its first ack, in ms. */
  maxAckMs = 0;
  /**
   * Longest time from sending a message frame to the server's answer about it (its ack, or an
   * error naming its client id), in ms: how long the server left a sender without word.
   */
  maxAnswerMs = 0;
  #writtenAt = new Map<string, number>();
  #sentAt = new Map<string, number>();
  /** Successful `welcome`s (1 + reconnects). */
  welcomes = 0;
  state: "disconnected" | "connecting" | "connected" = "disconnected";
  #ws: WebSocket | null = null;
  #stopped = false;
  #attempt = 0;
  #counter = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #waiters: (() => void)[] = [];
  #paused = false;
  #inFlight = 0;
  #refusals = 0;

  /** Creates the visitor; call {@link start} to connect. */
  constructor(readonly opts: OutboxVisitorOptions) {}

  /** Connects (and keeps reconnecting until {@link stop}). */
  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  /** Writes a message: queued, and sent now when connected. Returns its client id. */
  write(body: string): string {
    const clientId = `c${++this.#counter}-${crypto.randomUUID().slice(0, 8)}`;
    this.outbox.push({ clientId, body });
    this.#writtenAt.set(clientId, Date.now());
    this.#pump();
    return clientId;
  }

  /** Resolves once the outbox is empty. */
  async drained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.length > 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `Outbox not drained: ${this.outbox.length} left; errors ${
            JSON.stringify(this.errors.slice(-3))
          }; closes ${this.closes.join(",")}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until connected and welcomed at least `n` times. */
  async welcomed(n = 1, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.welcomes < n) {
      if (Date.now() > deadline) throw new Error(`Not welcomed ${n} times`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Disconnects for good. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#ws?.close(1000);
    this.#ws = null;
    this.state = "disconnected";
  }

  #later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #send(frame: unknown): void {
    if (this.state === "connected" && this.#ws?.readyState === WebSocket.OPEN) {
      this.#ws.send(JSON.stringify(frame));
    }
  }

  /** Sends the next messages in writing order while fewer than WINDOW are unacknowledged. */
  #pump(): void {
    if (this.state !== "connected" || this.#paused) return;
    while (this.#inFlight < Math.min(WINDOW, this.outbox.length)) {
      const m = this.outbox[this.#inFlight++];
      this.#sentAt.set(m.clientId, Date.now());
      this.#send({ type: "message", ...m });
    }
  }

  #connect(): void {
    if (this.#stopped) return;
    this.state = "connecting";
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${this.opts.wsUrl}/ws/visitor`);
    } catch {
      this.#reconnect();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({
        type: "hello",
        site: this.opts.site ?? "demo",
        ...(this.token ? { token: this.token, lastSeq: this.lastSeq } : {}),
      }));
    };
    ws.onmessage = (e) => this.#receive(JSON.parse(String(e.data)) as Frame);
    ws.onerror = () => {};
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.closes.push(e.code);
      this.state = "disconnected";
      if (FATAL_CLOSE_CODES.has(e.code)) this.#stopped = true;
      this.#reconnect();
    };
  }

  #answered(clientId: string): void {
    const at = this.#sentAt.get(clientId);
    if (at === undefined) return;
    this.#sentAt.delete(clientId);
    this.maxAnswerMs = Math.max(this.maxAnswerMs, Date.now() - at);
  }

  /** Ms the oldest frame still waiting for an answer has waited (0: none waits). */
  waitingMs(): number {
    let oldest = Infinity;
    for (const at of this.#sentAt.values()) oldest = Math.min(oldest, at);
    return oldest === Infinity ? 0 : Date.now() - oldest;
  }

  #reconnect(): void {
    if (this.#stopped) return;
    const bounds = { base: 100, cap: this.opts.maxBackoffMs ?? 1000 };
    this.#later(() => this.#connect(), 50 + backoffDelay(this.#attempt++, Math.random, bounds));
  }

  #receive(f: Frame): void {
    switch (f.type) {
      case "welcome": {
        this.token = String(f.token);
        this.welcomes++;
        this.#attempt = 0;
        this.state = "connected";
        for (const m of f.messages as { seq: number }[]) {
          this.lastSeq = Math.max(this.lastSeq, m.seq);
        }
        // Send the outbox again from the oldest message, with the original client ids.
        this.#sentAt.clear();
        this.#inFlight = 0;
        this.#paused = false;
        this.#pump();
        break;
      }
      case "ack": {
        const ack: AckRecord = {
          clientId: String(f.clientId),
          messageId: String(f.messageId),
          conversationId: String(f.conversationId),
          seq: Number(f.seq),
        };
        this.acks.push(ack);
        this.#answered(ack.clientId);
        this.conversationId = ack.conversationId;
        this.lastSeq = Math.max(this.lastSeq, ack.seq);
        const at = this.#writtenAt.get(ack.clientId);
        if (at !== undefined) {
          this.maxAckMs = Math.max(this.maxAckMs, Date.now() - at);
          this.#writtenAt.delete(ack.clientId);
        }
        const i = this.outbox.findIndex((p) => p.clientId === ack.clientId);
        if (i >= 0) {
          this.outbox.splice(i, 1);
          if (i < this.#inFlight) this.#inFlight--;
          this.#refusals = 0;
        }
        this.#pump();
        for (const w of this.#waiters.splice(0)) w();
        break;
      }
      case "message": {
        const seq = (f.message as { seq: number }).seq;
        this.lastSeq = Math.max(this.lastSeq, seq);
        break;
      }
      case "error": {
        this.errors.push(f);
        const clientId = typeof f.clientId === "string" ? f.clientId : null;
        if (clientId) this.#answered(clientId);
        if (clientId && f.retryable === true && !this.#paused) {
          // Stop, wait one jittered timer, then start again from the oldest unacknowledged.
          this.#paused = true;
          this.#inFlight = 0;
          const delay = backoffDelay(this.#refusals++, Math.random, { base: 250, cap: 2000 });
          this.#later(() => {
            this.#paused = false;
            this.#pump();
          }, 100 + delay);
        }
        break;
      }
      case "ping":
        this.#send({ type: "pong" });
        break;
    }
  }
}
