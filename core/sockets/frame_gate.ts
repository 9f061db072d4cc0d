/**
 * The checks every inbound text frame passes before it is parsed, on both socket kinds: it
 * counts as a sign of life, must fit the socket's frame budget, and must fit the size limit.
 *
 * @module
 */

import { CloseCode, ErrorCode } from "../../protocol/codes.ts";
import { errorFrame, ParleyError } from "../errors.ts";
import { isRequestId } from "../../protocol/frames.ts";
import { MAX_FRAME_BYTES } from "../../protocol/limits.ts";
import type { Conn } from "./registry.ts";
import { object, parseJson } from "../../protocol/validate.ts";

/** How a socket kind reads the ids a refusal should name. */
export interface GateOptions {
  /** Whether frames of this socket kind carry request ids (agent commands do). */
  requestIds: boolean;
  /** Told when a `message` frame is refused, so the socket can hold later ones back. */
  onRefusedMessage?: (clientId: string, err: ParleyError) => void;
  /** Told the code of each error frame sent (the errors metric). */
  onError?: (code: ErrorCode) => void;
}

/**
 * Records activity and returns whether the frame may be parsed; answers with an error if not.
 * A `message` frame (or a command with a request id) refused for the frame budget gets a
 * retryable error naming its id, so the sender resends it instead of waiting for a reply that
 * never comes; `onRefusedMessage` lets the socket hold later messages back (see
 * `send_order.ts`). Oversized frames count against the budget too, so a flood of them ends like
 * any other flood; they are not parsed for ids (reading them is what the limit prevents).
 */
export function admitFrame(conn: Conn, text: string, opts: GateOptions): boolean {
  conn.lastSeen = Date.now();
  conn.pingedAt = 0;
  if (!withinBudget(conn)) {
    const ids = text.length > MAX_FRAME_BYTES ? {} : refusedIds(text, opts.requestIds);
    const err = new ParleyError(ErrorCode.RateLimited, "Too many frames", {
      retryable: ids.clientId !== undefined || ids.requestId !== undefined,
    });
    conn.peer.send(errorFrame(err, ids));
    opts.onError?.(err.code);
    if (ids.clientId !== undefined) opts.onRefusedMessage?.(ids.clientId, err);
    return false;
  }
  if (text.length > MAX_FRAME_BYTES) {
    conn.peer.send(errorFrame(new ParleyError(ErrorCode.TooLarge, "Frame too large")));
    opts.onError?.(ErrorCode.TooLarge);
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
 * The ids a refusal of this frame should name, read without validating the frame: a `message`
 * frame's `clientId`, or (when `requestIds`) any other frame's `requestId`, each only when it
 * looks valid. Lets a refusal name the request it refuses even when the frame did not validate;
 * empty for anything malformed.
 */
export function refusedIds(
  text: string,
  requestIds: boolean,
): { clientId?: string; requestId?: string } {
  try {
    const o = object(parseJson(text));
    if (o.type === "message") {
      return isRequestId(o.clientId) ? { clientId: o.clientId } : {};
    }
    if (!requestIds) return {};
    return isRequestId(o.requestId) ? { requestId: o.requestId } : {};
  } catch {
    return {};
  }
}

/**
 * The answer to a binary frame: the protocol is JSON text only. It counts against the budget.
 * `onError` is told the code of the error frame sent.
 */
export function refuseBinary(conn: Conn, onError?: (code: ErrorCode) => void): void {
  conn.lastSeen = Date.now();
  conn.pingedAt = 0;
  const err = withinBudget(conn)
    ? new ParleyError(ErrorCode.BadFrame, "Binary frames are not supported")
    : new ParleyError(ErrorCode.RateLimited, "Too many frames");
  conn.peer.send(errorFrame(err));
  onError?.(err.code);
}
