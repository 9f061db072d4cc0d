/**
 * The HTTP fallback of the visitor socket (docs/protocol.md, "HTTP fallback"), for networks
 * whose proxies refuse the WebSocket upgrade:
 *
 * - `POST /fallback/visitor/stream` opens a stream: a virtual visitor socket whose frames come
 *   back as Server-Sent Events on this response, which stays open;
 * - `POST /fallback/visitor/frames` carries numbered client frames to the stream named by
 *   `X-Parley-Stream` (on whichever instance holds it).
 *
 * Thin: the stream itself is `core/fallback/`. The same checks as the socket's upgrade apply
 * (draining 503, sockets per address 429); the site, token and origin are checked by `hello`.
 * Both answer with CORS for the widget's page, errors included.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { Handler } from "./context.ts";
import { type CorsPolicy, preflightResponse, withCors } from "./cors.ts";
import { errorJson, json, readJson } from "./http.ts";

/** Frames one post may carry. */
export const MAX_FRAMES_PER_POST = 32;
/** The largest post body. */
export const MAX_POST_BYTES = 65_536;

/** What the widget on the shop's origin may do here. */
const CORS: CorsPolicy = { methods: "POST", headers: "content-type, x-parley-stream" };

/** `OPTIONS /fallback/visitor/stream` and `/fallback/visitor/frames`: the CORS preflight. */
export const preflight: Handler = (req) => preflightResponse(req, CORS);

/** `POST /fallback/visitor/stream`: opens a stream and answers with its events. */
export const openStream: Handler = withCors(CORS, (req, ctx) => {
  const { app } = ctx;
  if (app.lifecycle.draining) throw new ParleyError(ErrorCode.Unavailable, "Server is restarting");
  // The body (none, or `{}`) says nothing: it is not read.
  if (!app.sockets.acquire(ctx.ip)) {
    throw new ParleyError(ErrorCode.RateLimited, "Too many connections from this address");
  }
  const ip = ctx.ip;
  const session = app.fallback.open({
    ip,
    origin: req.headers.get("origin"),
    userAgent: req.headers.get("user-agent"),
  }, () => app.sockets.release(ip));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // A close event the reader never took: the body is cut off.
      session.signal.addEventListener("abort", () => {
        try {
          controller.error(new Error("Fallback stream abandoned"));
        } catch {
          // Already closed.
        }
      }, { once: true });
    },
    async pull(controller) {
      const chunk = await session.read();
      try {
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      } catch {
        // Cancelled or cut off while waiting: the body is over already.
      }
    },
    cancel() {
      session.cancel();
    },
  }, { highWaterMark: 0 });
  app.log.debug("fallback stream open", { requestId: ctx.requestId, socket: session.id });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // `no-transform` also keeps Deno from compressing (and so buffering) the stream.
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
});

/** `POST /fallback/visitor/frames`: `{n, frames}` for the stream `X-Parley-Stream` names. */
export const postFrames: Handler = withCors(CORS, async (req, ctx) => {
  const { app } = ctx;
  if (app.lifecycle.draining) throw new ParleyError(ErrorCode.Unavailable, "Server is restarting");
  const body = await readJson(req, MAX_POST_BYTES);
  const streamId = req.headers.get("x-parley-stream");
  if (streamId === null) {
    throw new ParleyError(ErrorCode.BadFrame, "X-Parley-Stream is required");
  }
  const n = body.n;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 2 ** 31) {
    throw new ParleyError(ErrorCode.BadFrame, "n must be the index of the first frame", {
      field: "n",
    });
  }
  const frames = body.frames;
  if (
    !Array.isArray(frames) || frames.length === 0 || frames.length > MAX_FRAMES_PER_POST ||
    !frames.every((f): f is string => typeof f === "string")
  ) {
    throw new ParleyError(
      ErrorCode.BadFrame,
      `frames must be 1 to ${MAX_FRAMES_PER_POST} frames as strings`,
      { field: "frames" },
    );
  }
  // A frame the database could not relay (NUL) is no valid JSON anyway. Over-long frames are
  // left to the frame gate, which answers them on the stream as on a socket.
  if (frames.some((f) => f.includes("\0"))) {
    throw new ParleyError(ErrorCode.BadFrame, "A frame holds a NUL character", { field: "frames" });
  }
  const r = await app.fallback.post(streamId, n, frames);
  if (r.kind === "not_found") return errorJson(ErrorCode.NotFound, "No such stream", 404);
  return json({ next: r.next }, 202);
});
