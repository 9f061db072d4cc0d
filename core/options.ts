/**
 * The real-time core's tunables, from the server configuration.
 *
 * @module
 */

import type { TeamInfo } from "../protocol/frames.ts";

/** Tunables of the real-time core, from the server configuration. */
export interface CoreOptions {
  /** How often idle sockets are pinged. */
  heartbeatMs: number;
  /** A socket silent for this long is closed as dead. */
  heartbeatTimeoutMs: number;
  /** A typing indicator with no refresh for this long is cleared. */
  typingTimeoutMs: number;
  /**
   * Typing notices of one typist in one conversation are published at most once per this
   * window, the latest text last (default `TYPING_COALESCE_MS`, 250 ms).
   */
  typingCoalesceMs?: number;
  /**
   * The server-wide team texts (`PARLEY_TEAM_NAME`, `PARLEY_REPLY_TIME`): the `welcome` uses
   * them where the site sets none; "" lets the widget show its own locale's default.
   */
  team: TeamInfo;
  /**
   * Whether agents' replies are also emailed to visitors who left an address (the `welcome`'s
   * `emailReplies`); default false.
   */
  emailReplies?: boolean;
  /** Messages per second per socket, and the burst allowed. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Any frames per second per socket, and the burst allowed. */
  framesPerSecond: number;
  frameBurst: number;
  /** How often open agent sockets re-check their session (expiry, sign-out elsewhere). */
  sessionCheckMs: number;
  /**
   * Identity and attribute updates (`identify`, `attributes`, `contact`) per visitor per minute,
   * across all of its sockets on this instance; also the burst allowed.
   */
  profileUpdatesPerMinute: number;
}
