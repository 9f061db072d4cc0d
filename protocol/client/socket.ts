/**
 * The reconnecting socket both browser apps use: connects, sends the app's `hello` (if it has
 * one), decodes inbound frames, answers and sends heartbeats, closes a silent peer, and
 * reconnects with full-jitter exponential backoff. No DOM work and no state beyond the socket:
 * each app's model owns everything its user sees.
 *
 * Invariants: only a `welcome` makes the socket `connected` and resets the backoff (an upgrade
 * that opens and is then refused must not retry at full speed); after a fatal close code
 * ({@link FATAL_CODES}) it does not reconnect by itself; events of a socket it already replaced
 * are ignored.
 *
 * @module
 */

import type { CloseCode } from "../codes.ts";
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "../backoff.ts";
import {
  CLIENT_FIRST_HEARTBEAT_MS,
  CLIENT_SILENCE_BEATS,
  CLIENT_SILENCE_GRACE_MS,
} from "../timing.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";

export { type Clock, systemClock, type TimerId };

/** `connected` means the server sent `welcome` on this socket. */
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

/** What the socket needs to know of an inbound frame: its type, and a welcome's heartbeat. */
export type InboundFrame = { type: string; heartbeatMs?: number };

/** Options for {@link createSocket}. */
export interface SocketOptions<In extends InboundFrame, Out extends { type: string }> {
  /** `ws(s)://HOST/ws/visitor` or `/ws/agent`. */
  url: string;
  /** Decodes a frame; `null` for a type this client does not know (ignored). */
  decode(data: string): In | null;
  /**
   * Builds the first frame of each attempt (the visitor's `hello`: its token and lastSeq change
   * between attempts). Absent when the server speaks first (the agent socket, authenticated by
   * its cookie, is sent `welcome` at once).
   */
  hello?(): Out;
  /** Every valid frame except `ping`/`pong`, which the socket handles itself. */
  onFrame(frame: In): void;
  /** State changes; `code` is the close code when a socket closed. */
  onState(state: ConnectionState, code?: number): void;
  socket?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
}

/** A reconnecting socket. */
export interface ReconnectingSocket<Out> {
  /** Starts (or restarts) connecting. */
  start(): void;
  /** Closes the socket for good (until `start`). */
  stop(): void;
  /** Sends a frame if connected; returns false when it was not sent. */
  send(frame: Out): boolean;
  /** Drops the current socket and reconnects with backoff (e.g. the browser went offline). */
  drop(): void;
  /** Skips the backoff wait and resets the attempt count (e.g. the browser came online). */
  reconnectNow(): void;
  /**
   * Opens later attempts with `factory` (the widget's fallback transport, once WebSockets
   * failed); the current socket is left as it is.
   */
  use(factory: SocketFactory): void;
  readonly state: ConnectionState;
}

/** `CloseCode.Unauthorized`, as a literal so the bundle does not carry the whole code table. */
export const CLOSE_UNAUTHORIZED = 4001 satisfies typeof CloseCode.Unauthorized;

/**
 * `FATAL_CLOSE_CODES` of `protocol/codes.ts` (a unit test keeps them equal): after these the
 * client does not reconnect by itself.
 */
export const FATAL_CODES: readonly number[] = [
  CLOSE_UNAUTHORIZED,
  4003 satisfies typeof CloseCode.OriginNotAllowed,
];

/** `CloseCode.HeartbeatTimeout`: the client's code for a socket that stopped answering. */
const DEAD_CLOSE = 4008 satisfies typeof CloseCode.HeartbeatTimeout;

/** Creates a socket; it does nothing until {@link ReconnectingSocket.start}. */
export function createSocket<In extends InboundFrame, Out extends { type: string }>(
  opts: SocketOptions<In, Out>,
): ReconnectingSocket<Out> {
  const clock = opts.clock ?? systemClock;
  let openSocket = opts.socket ?? browserSocket;
  const random = opts.random ?? Math.random;
  const bounds = opts.backoff ?? DEFAULT_BACKOFF;
  let socket: SocketHandle | null = null;
  let generation = 0;
  let attempt = 0;
  let stopped = true;
  let state: ConnectionState = "disconnected";
  let heartbeatMs = CLIENT_FIRST_HEARTBEAT_MS;
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
  const raw = (frame: Out | { type: "ping" | "pong" }) => {
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
    deadTimer = clock.setTimeout(
      () => closed(DEAD_CLOSE, true),
      heartbeatMs * CLIENT_SILENCE_BEATS + CLIENT_SILENCE_GRACE_MS,
    );
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
          if (opts.hello) raw(opts.hello());
          armDead();
        },
        message(data) {
          if (mine !== generation) return;
          armDead();
          let frame: In | null;
          try {
            frame = opts.decode(data);
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
            heartbeatMs = frame.heartbeatMs ?? heartbeatMs;
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
    use(factory) {
      openSocket = factory;
    },
  };
}
