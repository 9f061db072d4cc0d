/**
 * Stable error codes and WebSocket close codes shared by the server, the widget and the console.
 * Browser-safe: imports nothing.
 *
 * @module
 */

/** Codes carried by `{ type: "error", code }` frames and JSON HTTP error bodies. */
export const ErrorCode = {
  /** The frame or body is not valid JSON, or a field has the wrong type or range. */
  BadFrame: "bad_frame",
  /** The frame's `type` is not one this endpoint accepts. */
  UnknownType: "unknown_type",
  /** The frame or a field exceeds its size limit. */
  TooLarge: "too_large",
  /** Too many frames, messages or attempts; slow down and retry later. */
  RateLimited: "rate_limited",
  /** A visitor socket sent something before its `hello`. */
  HelloRequired: "hello_required",
  /** No valid session or token. */
  Unauthorized: "unauthorized",
  /** Authenticated, but not allowed to do this. */
  Forbidden: "forbidden",
  /** The visitor token is forged, expired or belongs to another site. */
  InvalidToken: "invalid_token",
  /** The site named by the widget does not exist. */
  SiteNotFound: "site_not_found",
  /** The referenced conversation, agent or resource does not exist. */
  NotFound: "not_found",
  /** The action lost a race or does not fit the current state (e.g. already assigned). */
  Conflict: "conflict",
  /** An email is needed and there is no address to send it to (a transcript, say). */
  NoEmail: "no_email",
  /** A temporary failure (database unreachable): nothing was stored, retry later. */
  Unavailable: "unavailable",
  /** An unexpected server error. Nothing acknowledged was lost. */
  Internal: "internal",
  /**
   * An inbound email was refused (`POST /api/inbound/email`): not an email, no conversation it
   * may join, or no reply text in it. Sending it again changes nothing.
   */
  MailRefused: "mail_refused",
  /**
   * A message names an attachment it may not carry: unknown, not completely uploaded, uploaded by
   * someone else or for another conversation, or already sent with another message.
   */
  BadAttachment: "bad_attachment",
  /** An upload's type (sniffed from its bytes) is not one the server accepts (HTTP 415). */
  TypeNotAllowed: "type_not_allowed",
  /** An upload claims or sniffs as an image but its header does not parse (HTTP 422). */
  BadImage: "bad_image",
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/** WebSocket close codes Parley uses. 1xxx are standard, 4xxx are Parley's own. */
export const CloseCode = {
  /** Normal close (client or server is done). */
  Normal: 1000,
  /** The server is going away for a restart or deploy: reconnect with backoff and resume. */
  ServiceRestart: 1012,
  /** A frame exceeded the size limit. */
  TooBig: 1009,
  /** Policy violation, such as a binary frame. */
  Policy: 1008,
  /** The session or token is missing, invalid, expired or revoked: do not reconnect blindly. */
  Unauthorized: 4001,
  /** The Origin is not allowed for this site or endpoint. */
  OriginNotAllowed: 4003,
  /** No frame from the peer within the heartbeat timeout. */
  HeartbeatTimeout: 4008,
  /** The peer read too slowly and the server's send buffer cap was reached: reconnect and resume. */
  SlowConsumer: 4009,
  /** The first frame on a visitor socket was not a valid `hello`. */
  HelloRequired: 4400,
  /** Too many sockets from one address, or a flood of invalid frames. */
  TooMany: 4029,
  /**
   * The visitor was erased with all their data (an admin's erasure request): the token names
   * nobody now. A widget reconnects, is refused its token (4001) and starts as a new visitor.
   */
  VisitorErased: 4410,
} as const;

/** One of the {@link CloseCode} values. */
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/** Close codes after which a client should not reconnect automatically. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.Unauthorized,
  CloseCode.OriginNotAllowed,
]);
