/**
 * Timings both ends of a socket must agree on: the heartbeat, the typing throttles and how long
 * a typing indicator lives. Browser-safe; the widget and the console use these, and the server's
 * defaults are meant to (`core/` can switch to them without changing a value).
 *
 * @module
 */

/** The server pings every socket this often by default (`PARLEY_HEARTBEAT_MS`). */
export const HEARTBEAT_MS = 15_000;
/** The server closes a socket silent for this many heartbeats (`PARLEY_HEARTBEAT_TIMEOUT_MS`). */
export const HEARTBEAT_TIMEOUT_BEATS = 3;

/** What a client assumes the heartbeat is until a `welcome` names the server's. */
export const CLIENT_FIRST_HEARTBEAT_MS = 25_000;

/**
 * A client closes a socket as dead after hearing nothing for this many heartbeats plus
 * {@link CLIENT_SILENCE_GRACE_MS}: two missed server pings and a grace for a slow network (after
 * a laptop sleep or a NAT that dropped the flow, the browser may not report a close for minutes).
 */
export const CLIENT_SILENCE_BEATS = 2;
/** See {@link CLIENT_SILENCE_BEATS}. */
export const CLIENT_SILENCE_GRACE_MS = 5_000;

/** A visitor's `typing` notices are sent at most this often while the draft changes. */
export const VISITOR_TYPING_THROTTLE_MS = 1500;
/** A visitor who has not typed for this long is said to have stopped typing. */
export const VISITOR_TYPING_IDLE_MS = 3000;
/** An agent's composer re-announces typing at most this often. */
export const AGENT_TYPING_REFRESH_MS = 3000;
/** An agent who has not typed for this long is said to have stopped typing. */
export const AGENT_TYPING_IDLE_MS = 4000;
/**
 * A typing indicator disappears when not refreshed within this time (a closed tab never says
 * "stopped typing"). Longer than both throttles, so a typist's refreshes keep it alive.
 */
export const TYPING_TTL_MS = 6000;
/** The server clears a socket's typing state after this long without a refresh. */
export const SERVER_TYPING_TIMEOUT_MS = 5000;
