/**
 * The agent socket (`/ws/agent`): the kernel's reconnecting socket (`protocol/client/socket.ts`)
 * with the agent decoder, plus what only the console needs: a refused session stops it. The
 * socket is authenticated by the session cookie, so there is no `hello`: the server speaks first.
 *
 * @module
 */

import { decodeAgentFrame } from "../../protocol/client/decode_agent.ts";
import {
  type Clock,
  type ConnectionState,
  createSocket,
  FATAL_CODES,
  type SocketFactory,
} from "../../protocol/client/socket.ts";
import type { AgentClientFrame, AgentServerFrame } from "../../protocol/frames.ts";

export type { ConnectionState };

/** Options for {@link createConnection}. */
export interface ConnectionOptions {
  /** Absolute `ws:`/`wss:` URL of the agent socket. */
  url: string;
  /** Called for every decoded frame except ping/pong. */
  onFrame(frame: AgentServerFrame): void;
  /** Called when the state changes. */
  onState(state: ConnectionState): void;
  /** Called when the server refuses the session (close code 4001): it does not reconnect. */
  onUnauthorized(): void;
  /**
   * Asked after a socket closed without a welcome (a refused upgrade looks like a plain 1006
   * close in the browser): resolves false when the session is gone, so we stop retrying.
   */
  checkSession?: () => Promise<boolean>;
  /** First backoff ceiling in ms. */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms: an agent at their desk should not wait 30 s. */
  maxDelayMs?: number;
  /** Socket factory (tests). */
  socket?: SocketFactory;
  /** Timers (tests). */
  clock?: Clock;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
}

/** A running connection. */
export interface Connection {
  /** Sends a frame; returns false (and drops it) when the socket is not connected. */
  send(frame: AgentClientFrame): boolean;
  /** Current state. */
  readonly state: ConnectionState;
  /** Drops the socket and reconnects now (e.g. when the browser comes back online). */
  reconnectNow(): void;
  /** Closes for good. */
  close(): void;
}

/** Opens the agent socket and keeps it open until {@link Connection.close}. */
export function createConnection(opts: ConnectionOptions): Connection {
  let closed = false;
  let welcomed = false;
  let last: ConnectionState = "disconnected";

  const fatal = () => {
    closed = true;
    socket.stop();
    opts.onUnauthorized();
  };

  const socket = createSocket<AgentServerFrame, AgentClientFrame>({
    url: opts.url,
    decode: decodeAgentFrame,
    onFrame: opts.onFrame,
    onState(state, code) {
      // The kernel reports `disconnected` again on stop; the console reports changes only.
      if (state !== last) opts.onState(state);
      last = state;
      if (state === "connected") welcomed = true;
      if (state !== "disconnected" || closed || code === undefined) return;
      if (FATAL_CODES.includes(code)) return fatal();
      const hadWelcome = welcomed;
      welcomed = false;
      if (!hadWelcome && opts.checkSession) {
        opts.checkSession().then((ok) => {
          if (!ok && !closed) fatal();
        }, () => {/* unreachable server: keep retrying */});
      }
    },
    backoff: { base: opts.baseDelayMs ?? 500, cap: opts.maxDelayMs ?? 15_000 },
    socket: opts.socket,
    clock: opts.clock,
    random: opts.random,
  });
  socket.start();

  return {
    send: (frame) => socket.send(frame),
    get state() {
      return socket.state;
    },
    reconnectNow() {
      if (closed) return;
      // A socket that still looks open may be dead (the laptop slept): replace it, at once.
      if (socket.state !== "disconnected") socket.drop();
      socket.reconnectNow();
    },
    close() {
      closed = true;
      socket.stop();
    },
  };
}
