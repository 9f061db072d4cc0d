/**
 * Protocol limits shared by server and clients. Browser-safe.
 *
 * @module
 */

/** Largest inbound WebSocket text frame, in bytes (UTF-16 length checked before parsing). */
export const MAX_FRAME_BYTES = 32 * 1024;
/** Longest message body, in characters. */
export const MAX_BODY_CHARS = 8000;
/** Longest live-typing preview, in characters. */
export const MAX_PREVIEW_CHARS = 500;
/** Longest client id (idempotency key), in characters. */
export const MAX_CLIENT_ID_CHARS = 64;
/** Most attachments one message may carry (docs/attachments.md). */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
/** Longest attachment file name, in characters (a longer one is cut, keeping its extension). */
export const MAX_ATTACHMENT_NAME_CHARS = 255;
/** Most messages returned by one history page. */
export const MAX_HISTORY_PAGE = 200;
/** Deepest JSON nesting accepted in a frame. */
export const MAX_JSON_DEPTH = 8;
/** Most attributes one `attributes` frame may set. */
export const MAX_ATTRIBUTES_PER_FRAME = 30;
/** Most attributes one visitor may hold in total (keys set to null count). */
export const MAX_VISITOR_ATTRIBUTES = 100;
/**
 * Most bytes of attributes one visitor may hold in total: the UTF-8 length of every key plus that
 * of its value written as JSON (a string with its quotes and escapes).
 */
export const MAX_VISITOR_ATTRIBUTE_BYTES = 16 * 1024;
