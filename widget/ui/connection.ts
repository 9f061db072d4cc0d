/**
 * The visitor socket client: connects, says `hello`, validates inbound frames, answers and sends
 * heartbeats, and reconnects with full-jitter exponential backoff. No DOM work and no state
 * beyond the socket: the chat model owns everything the visitor sees.
 *
 * @module
 */

import type { CloseCode } from "../../protocol/codes.ts";
import type { VisitorClientFrame } from "../../protocol/frames.ts";
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "../../protocol/backoff.ts";
import {
  decodeVisitorFrame,
  type VisitorFrame as ServerFrame,
} from "../../protocol/client/decode.ts";

/** `connected` means the server answered `hello` with `welcome`. */
export type ConnectionState = "disconnected" | "connecting" | "connected";

/** Callbacks a socket implementation reports to. */
export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number): void;
}

/** The two things the client does to a socket. */
export interface SocketHandle {
  send(data: string): void;
  close(code?: number): void;
}

/** Opens a socket; tests pass a fake. */
export type SocketFactory = (url: string, on: SocketHandlers) => SocketHandle;

/** A timer handle (a number in browsers). */
export type TimerId = ReturnType<typeof setTimeout>;

/** Timers and time; tests pass a manual clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId | undefined): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** The browser's WebSocket behind {@link SocketFactory}. Binary frames are ignored. */
export const browserSocket: SocketFactory = (url, on) => {
  const ws = new WebSocket(url);
  ws.onopen = () => on.open();
  ws.onmessage = (e) => {
    if (typeof e.data === "string") on.message(e.data);
  };
  ws.onclose = (e) => on.close(e.code);
  return {
    send: (data) => ws.send(data),
    close: (code) => ws.close(code),
  };
};

/** Options for {@link createConnection}. */
export interface ConnectionOptions {
  /** `ws(s)://HOST/ws/visitor`. */
  url: string;
  /** Builds the `hello` frame for each attempt (token and lastSeq change between attempts). */
  hello(): VisitorClientFrame;
  /** Every valid frame except `ping`/`pong`, which the connection handles itself. */
  onFrame(frame: ServerFrame): void;
  /** State changes; `code` is the close code when a socket closed. */
  onState(state: ConnectionState, code?: number): void;
  socket?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
}

/** A visitor connection. */
export interface Connection {
  /** Starts (or restarts) connecting. */
  start(): void;
  /** Closes the socket for good (until `start`). */
  stop(): void;
  /** Sends a frame if connected; returns false when it was not sent. */
  send(frame: VisitorClientFrame): boolean;
  /** Drops the current socket and reconnects with backoff (e.g. the browser went offline). */
  drop(): void;
  /** Skips the backoff wait and resets the attempt count (e.g. the browser came online). */
  reconnectNow(): void;
  readonly state: ConnectionState;
}

/** `CloseCode.Unauthorized`, as a literal so the bundle does not carry the whole code table. */
export const CLOSE_UNAUTHORIZED = 4001 satisfies typeof CloseCode.Unauthorized;

/**
 * `FATAL_CLOSE_CODES` of `core/codes.ts` (a unit test keeps them equal): after these the client
 * does not reconnect by itself.
 */
export const FATAL_CODES: readonly number[] = [
  CLOSE_UNAUTHORIZED,
  4003 satisfies typeof CloseCode.OriginNotAllowed,
];

/** Client-side close code for a socket that stopped answering heartbeats. */
const DEAD_CLOSE = 4008;

/** Creates a connection; it does nothing until {@link Connection.start}. */
export function createConnection(opts: ConnectionOptions): Connection {
  const clock = opts.clock ?? systemClock;
  const openSocket = opts.socket ?? browserSocket;
  const random = opts.random ?? Math.random;
  const bounds = opts.backoff ?? DEFAULT_BACKOFF;
  let socket: SocketHandle | null = null;
  let generation = 0;
  let attempt = 0;
  let stopped = true;
  let state: ConnectionState = "disconnected";
  let heartbeatMs = 25_000;
  let retryTimer: TimerId | undefined;
  let pingTimer: TimerId | undefined;
  let deadTimer: TimerId | undefined;

  const setState = (next: ConnectionState, code?: number) => {
    state = next;
    opts.onState(next, code);
  };
  const clearTimers = () => {
    clock.clearTimeout(retryTimer);
    clock.clearTimeout(pingTimer);
    clock.clearTimeout(deadTimer);
  };
  const raw = (frame: VisitorClientFrame) => {
    if (!socket) return false;
    try {
      socket.send(JSON.stringify(frame));
    } catch {
      return false;
    }
    armPing();
    return true;
  };
  // Anything sent counts as a heartbeat: ping only after heartbeatMs of silence.
  const armPing = () => {
    clock.clearTimeout(pingTimer);
    pingTimer = clock.setTimeout(() => raw({ type: "ping" }), heartbeatMs);
  };
  const armDead = () => {
    clock.clearTimeout(deadTimer);
    // The server pings every heartbeatMs; two missed beats mean the socket is dead.
    deadTimer = clock.setTimeout(() => closed(DEAD_CLOSE, true), heartbeatMs * 2 + 5_000);
  };
  const schedule = () => {
    clock.clearTimeout(retryTimer);
    retryTimer = clock.setTimeout(connect, backoffDelay(attempt++, random, bounds));
  };
  const closed = (code: number, closeSocket: boolean) => {
    const old = socket;
    generation++;
    socket = null;
    clearTimers();
    if (closeSocket) {
      try {
        old?.close(code);
      } catch { /* already closed */ }
    }
    if (stopped) return;
    setState("disconnected", code);
    if (!FATAL_CODES.includes(code)) schedule();
  };

  function connect(): void {
    clearTimers();
    const mine = ++generation;
    setState("connecting");
    try {
      socket = openSocket(opts.url, {
        open() {
          if (mine !== generation) return;
          raw(opts.hello());
          armDead();
        },
        message(data) {
          if (mine !== generation) return;
          armDead();
          let frame: ServerFrame | null;
          try {
            frame = decodeVisitorFrame(data);
          } catch (err) {
            console.warn("Parley: ignored a malformed frame", err);
            return;
          }
          if (!frame || frame.type === "pong") return;
          if (frame.type === "ping") {
            raw({ type: "pong" });
            return;
          }
          if (frame.type === "welcome") {
            heartbeatMs = frame.heartbeatMs;
            attempt = 0;
            armDead();
            armPing();
            setState("connected");
          }
          opts.onFrame(frame);
        },
        close(code) {
          if (mine === generation) closed(code, false);
        },
      });
    } catch {
      // A malformed URL or a CSP refusal throws synchronously: retry like any failure.
      socket = null;
      setState("disconnected");
      schedule();
    }
  }

  return {
    get state() {
      return state;
    },
    start() {
      stopped = false;
      if (socket) closed(1000, true);
      connect();
    },
    stop() {
      stopped = true;
      closed(1000, true);
      setState("disconnected");
    },
    send(frame) {
      return state === "connected" && raw(frame);
    },
    drop() {
      if (!stopped && state !== "disconnected") closed(DEAD_CLOSE, true);
    },
    reconnectNow() {
      if (stopped || state !== "disconnected") return;
      attempt = 0;
      connect();
    },
  };
}
