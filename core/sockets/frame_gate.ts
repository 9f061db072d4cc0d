/**
 * The checks every inbound text frame passes before it is parsed, on both socket kinds: it
 * counts as a sign of life, must fit the socket's frame budget, and must fit the size limit.
 *
 * @module
 */

import { CloseCode, ErrorCode } from "../../protocol/codes.ts";
import { errorFrame, ParleyError } from "../errors.ts";
import { MAX_FRAME_BYTES } from "../../protocol/limits.ts";
import type { Conn } from "./registry.ts";
import { object, parseJson } from "../../protocol/validate.ts";

/**
 * Records activity and returns whether the frame may be parsed; answers with an error if not.
 * A `message` frame refused for the frame budget gets a retryable error naming its client id,
 * so the sender resends it instead of waiting for an ack that never comes; `onRefusedMessage`
 * lets the session hold later messages back (see `send_order.ts`). Oversized frames count
 * against the budget too, so a flood of them ends like any other flood.
 */
export function admitFrame(
  conn: Conn,
  text: string,
  onRefusedMessage?: (clientId: string, err: ParleyError) => void,
): boolean {
  conn.lastSeen = Date.now();
  conn.pingedAt = 0;
  if (!withinBudget(conn)) {
    const clientId = text.length > MAX_FRAME_BYTES ? null : messageClientId(text);
    const err = new ParleyError(ErrorCode.RateLimited, "Too many frames", {
      retryable: clientId !== null,
    });
    conn.peer.send(errorFrame(err, clientId === null ? {} : { clientId }));
    if (clientId !== null) onRefusedMessage?.(clientId, err);
    return false;
  }
  if (text.length > MAX_FRAME_BYTES) {
    conn.peer.send(errorFrame(new ParleyError(ErrorCode.TooLarge, "Frame too large")));
    return false;
  }
  return true;
}

// Frames refused in a row for the budget, per socket.
const overBudget = new WeakMap<Conn, number>();

/**
 * Takes one frame from the socket's budget. A socket that sends a whole further burst past the
 * limit without slowing down is flooding, not bursting: it is closed with 4029.
 */
function withinBudget(conn: Conn): boolean {
  if (conn.frames.take()) {
    overBudget.delete(conn);
    return true;
  }
  const refused = (overBudget.get(conn) ?? 0) + 1;
  overBudget.set(conn, refused);
  if (refused > conn.frames.capacity) conn.peer.close(CloseCode.TooMany, "Too many frames");
  return false;
}

/**
 * The client id of a `message` frame, or null for anything else (or anything malformed), so a
 * refusal can name the message it refuses even when the frame did not validate.
 */
export function messageClientId(text: string): string | null {
  try {
    const o = object(parseJson(text));
    if (o.type !== "message") return null;
    return /^[A-Za-z0-9_.:-]{1,64}$/.test(String(o.clientId)) ? String(o.clientId) : null;
  } catch {
    return null;
  }
}

/** The answer to a binary frame: the protocol is JSON text only. It counts against the budget. */
export function refuseBinary(conn: Conn): void {
  conn.lastSeen = Date.now();
  conn.pingedAt = 0;
  const err = withinBudget(conn)
    ? new ParleyError(ErrorCode.BadFrame, "Binary frames are not supported")
    : new ParleyError(ErrorCode.RateLimited, "Too many frames");
  conn.peer.send(errorFrame(err));
}
