/**
 * The agent socket (`/ws/agent`): connects with the session cookie, decodes frames, answers the
 * server's pings, watches for a silent peer, and reconnects with full-jitter exponential backoff.
 * It knows nothing about the DOM or the inbox: frames go to `onFrame`, state to `onState`.
 *
 * @module
 */

import type { AgentClientFrame, AgentServerFrame } from "../../protocol/frames.ts";
import { CloseCode, FATAL_CLOSE_CODES } from "../../protocol/codes.ts";
import { backoffDelay } from "../../protocol/backoff.ts";
import { decodeAgentFrame } from "../../protocol/client/decode_agent.ts";

/** Where the socket is in its life. */
export type ConnectionState = "disconnected" | "connecting" | "connected";

/** The subset of `WebSocket` the connection uses, so tests can inject a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

/** Options for {@link createConnection}. */
export interface ConnectionOptions {
  /** Absolute `ws:`/`wss:` URL of the agent socket. */
  url: string;
  /** Called for every decoded frame except ping/pong. */
  onFrame(frame: AgentServerFrame): void;
  /** Called when the state changes. */
  onState(state: ConnectionState): void;
  /** Called when the server refuses the session (close code 4001): do not reconnect. */
  onUnauthorized(): void;
  /**
   * Asked after a socket closed without a welcome (a refused upgrade looks like a plain 1006
   * close in the browser): resolves false when the session is gone, so we stop retrying.
   */
  checkSession?: () => Promise<boolean>;
  /** First backoff ceiling in ms. */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms. */
  maxDelayMs?: number;
  /** Socket factory (tests). */
  createSocket?: (url: string) => SocketLike;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
}

/** A running connection. */
export interface Connection {
  /** Sends a frame; returns false (and drops it) when the socket is not open. */
  send(frame: AgentClientFrame): boolean;
  /** Current state. */
  readonly state: ConnectionState;
  /** Drops the socket and reconnects now (e.g. when the browser comes back online). */
  reconnectNow(): void;
  /** Closes for good. */
  close(): void;
}

const DEFAULTS = { baseDelayMs: 500, maxDelayMs: 15_000 };

/** Opens the agent socket and keeps it open until {@link Connection.close}. */
export function createConnection(options: ConnectionOptions): Connection {
  const opts = { ...DEFAULTS, ...options };
  const createSocket = opts.createSocket ?? ((url: string) => new WebSocket(url));
  const random = opts.random ?? Math.random;

  let socket: SocketLike | null = null;
  let state: ConnectionState = "disconnected";
  let attempt = 0;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  let silenceLimitMs = 0;

  function setState(next: ConnectionState) {
    if (state === next) return;
    state = next;
    opts.onState(next);
  }

  function armWatchdog() {
    clearTimeout(watchdog);
    if (silenceLimitMs <= 0 || socket === null) return;
    const s = socket;
    // The server pings every heartbeatMs; hearing nothing for 2.5x that means a dead link
    // (laptop sleep, NAT drop) that the browser may not report for minutes.
    watchdog = setTimeout(() => {
      if (socket === s) s.close(CloseCode.HeartbeatTimeout, "heartbeat timeout");
      drop(s, CloseCode.HeartbeatTimeout);
    }, silenceLimitMs);
  }

  function fatal() {
    closed = true;
    clearTimeout(retryTimer);
    opts.onUnauthorized();
  }

  function drop(s: SocketLike, code: number) {
    if (socket !== s) return;
    const hadWelcome = state === "connected";
    socket = null;
    clearTimeout(watchdog);
    setState("disconnected");
    if (closed) return;
    if (FATAL_CLOSE_CODES.has(code)) {
      fatal();
      return;
    }
    const delay = backoffDelay(attempt++, random, { base: opts.baseDelayMs, cap: opts.maxDelayMs });
    retryTimer = setTimeout(open, delay);
    if (!hadWelcome && opts.checkSession) {
      opts.checkSession().then((ok) => {
        if (!ok && !closed) fatal();
      }, () => {/* unreachable server: keep retrying */});
    }
  }

  function open() {
    if (closed) return;
    clearTimeout(retryTimer);
    setState("connecting");
    let s: SocketLike;
    try {
      s = createSocket(opts.url);
    } catch {
      retryTimer = setTimeout(
        open,
        backoffDelay(attempt++, random, { base: opts.baseDelayMs, cap: opts.maxDelayMs }),
      );
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket === s) armWatchdog();
    };
    s.onmessage = (ev) => {
      if (socket !== s || typeof ev.data !== "string") return;
      armWatchdog();
      let frame: AgentServerFrame | null;
      try {
        frame = decodeAgentFrame(ev.data);
      } catch (err) {
        console.warn("Dropped a malformed frame:", err instanceof Error ? err.message : err);
        return;
      }
      // A frame type this console does not know (a newer server): ignored, as the protocol says.
      if (frame === null) return;
      if (frame.type === "ping") {
        s.send(JSON.stringify({ type: "pong" }));
        return;
      }
      if (frame.type === "pong") return;
      if (frame.type === "welcome") {
        // Only a welcome proves the session is good: reset the backoff here, not on open.
        attempt = 0;
        silenceLimitMs = frame.heartbeatMs > 0 ? frame.heartbeatMs * 2.5 : 0;
        armWatchdog();
        setState("connected");
      }
      opts.onFrame(frame);
    };
    s.onclose = (ev) => drop(s, ev.code);
    s.onerror = () => {/* onclose follows and handles the retry */};
  }

  open();

  return {
    send(frame) {
      if (socket === null || socket.readyState !== 1 || state !== "connected") return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    get state() {
      return state;
    },
    reconnectNow() {
      if (closed) return;
      attempt = 0;
      if (socket !== null) {
        const s = socket;
        s.close(CloseCode.Normal, "reconnect");
        drop(s, CloseCode.Normal);
      }
      clearTimeout(retryTimer);
      open();
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(watchdog);
      const s = socket;
      socket = null;
      s?.close(CloseCode.Normal, "bye");
      setState("disconnected");
    },
  };
}
