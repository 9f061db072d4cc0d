/**
 * Attachments over HTTP (docs/http_api.md "Attachments", docs/attachments.md): uploads by
 * agents (session and CSRF, like every agent write) and by visitors (their widget token as
 * `Authorization: Bearer`, with CORS for the site's origins), and the one download path for
 * both. Thin: the body is handed to the core as a stream, never read here, and the core decides
 * who may read what; this file writes the headers that make a download safe to serve from
 * Parley's own origin (sniffed type, `nosniff`, a sandboxing CSP, `Content-Disposition`).
 *
 * Tokens are read from the `Authorization` header only: a token in the query string is ignored
 * (URLs end up in logs, histories and `Referer`s).
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError, toParleyError } from "../core/errors.ts";
import {
  type AttachmentReader,
  contentDisposition,
  fileName,
  servedType,
  type UploadRequest,
} from "../core/attachments/mod.ts";
import type { VisitorClaims } from "../core/accounts/tokens.ts";
import type { Handler, RequestContext } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { errorResponse, json, readJson, requestUrl } from "./http.ts";
import { type CorsPolicy, preflightResponse, withCors } from "./cors.ts";
import { idParam } from "./api_inbox.ts";
import { noneMatch } from "./negotiate.ts";

/** What a widget on another origin may do here. */
const CORS: CorsPolicy = {
  methods: "GET, POST, PUT, DELETE",
  headers: "authorization, content-type, x-parley-filename",
  expose: "content-disposition, content-length, etag",
};

/** The largest JSON body that starts an upload in parts (a name and a size). */
const START_BYTES = 4096;

/** How long a browser may keep a download: its bytes never change under its id. */
const CACHE_SECONDS = 3600;

/** The upload request the core reads: the stream, the cleaned name, what the client declared. */
function uploadOf(req: Request): UploadRequest {
  const name = fileName(req.headers.get("x-parley-filename"));
  if (name === null) {
    throw new ParleyError(
      ErrorCode.BadFrame,
      "X-Parley-Filename must be the file name, percent-encoded UTF-8",
    );
  }
  const length = req.headers.get("content-length");
  const declaredLength = length !== null && /^\d{1,15}$/.test(length) ? Number(length) : null;
  return { name, declaredType: req.headers.get("content-type"), declaredLength, body: req.body };
}

/** The bearer token of `Authorization`, or null. */
function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
  return m ? m[1] : null;
}

/**
 * Answers a refused upload with `Connection: close`: the rest of its body is never read, and a
 * connection kept open would have the server drain it (or the client's next request would be
 * read from the middle of the file).
 */
function closingOnError(handler: Handler): Handler {
  return async (req, ctx) => {
    let res: Response;
    try {
      res = await handler(req, ctx);
    } catch (err) {
      res = errorResponse(toParleyError(err), ctx.app.log, ctx.requestId);
    }
    if (res.status >= 400) res.headers.set("connection", "close");
    return res;
  };
}

/** `POST /api/conversations/:id/attachments` (agent). */
export const uploadByAgent: Handler = closingOnError(async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  requireCsrf(req, ctx);
  const conversationId = idParam(ctx.params.id);
  const attachment = await ctx.app.attachments.uploadByAgent(agent, conversationId, uploadOf(req));
  return json({ attachment }, 201);
});

/**
 * `GET /api/agent/upload-limits` (agent): the largest upload, so the console can refuse a file
 * that is too large before sending a byte of it (the server refuses it anyway).
 */
export const uploadLimits: Handler = async (req, ctx) => {
  await requireAgent(req, ctx);
  return json({ maxBytes: ctx.app.attachments.policy.maxBytes });
};

/**
 * The visitor a request's token names, refused (`forbidden`) when it comes from a page the
 * site does not allow (no `Origin`: not a cross-origin browser request).
 */
async function visitorOf(req: Request, ctx: RequestContext): Promise<VisitorClaims> {
  const claims = await ctx.app.attachments.visitor(bearer(req));
  const origin = req.headers.get("origin");
  if (origin !== null) {
    const site = await ctx.app.store.getSite(claims.siteId);
    if (!site) throw new ParleyError(ErrorCode.InvalidToken, "Invalid visitor token");
    if (site.allowedOrigins.length > 0 && !site.allowedOrigins.includes(origin)) {
      throw new ParleyError(ErrorCode.Forbidden, "This origin may not use this site's chat");
    }
  }
  return claims;
}

/**
 * `OPTIONS` of `/api/widget/attachments`, `/api/widget/uploads`, `/api/attachments/:id` and
 * `/api/uploads/:id`: the CORS preflight.
 */
export const preflight: Handler = (req, ctx) => {
  // A malformed id is refused here already, as the request it precedes would be.
  if (ctx.params.id !== undefined) idParam(ctx.params.id);
  return preflightResponse(req, CORS);
};

/** `POST /api/widget/attachments` (visitor, `Authorization: Bearer <token>`). */
export const uploadByVisitor: Handler = withCors(
  CORS,
  closingOnError(async (req, ctx) => {
    const claims = await visitorOf(req, ctx);
    const attachment = await ctx.app.attachments.uploadByVisitor(claims, uploadOf(req));
    return json({ attachment }, 201);
  }),
);

/**
 * `GET /api/attachments/:id`: a visitor by `Authorization: Bearer`, else an agent by session.
 * Anything the reader may not read is 404, as an unknown id is.
 */
export const download: Handler = withCors(CORS, async (req, ctx) => {
  const id = idParam(ctx.params.id);
  const token = bearer(req);
  const reader: AttachmentReader = token !== null || req.headers.has("authorization")
    ? { kind: "visitor", claims: await visitorOf(req, ctx) }
    : { kind: "agent", agent: await requireAgent(req, ctx) };
  const service = ctx.app.attachments;
  const a = await service.readable(id, reader);
  const etag = `"${a.sha256 ?? a.id}"`;
  const headers: Record<string, string> = {
    "content-type": servedType(a.type),
    "content-disposition": contentDisposition(a.type, a.name),
    "x-content-type-options": "nosniff",
    // Opened directly, even an allowed HTML file is a sandboxed document that runs nothing.
    "content-security-policy": "default-src 'none'; sandbox",
    // Other sites may not embed it with the agent's cookie; CORS fetches are not affected.
    "cross-origin-resource-policy": "same-origin",
    "cache-control": `private, max-age=${CACHE_SECONDS}`,
    etag,
    vary: "Origin, Authorization, Cookie",
  };
  if (noneMatch(req.headers.get("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers["content-length"] = String(a.size);
  if (req.method === "HEAD") return new Response(null, { headers });
  return new Response(await service.stream(a), { headers });
});

/** The `{ name, size }` that starts an upload in parts, the name cleaned as a header's is. */
async function startOf(req: Request): Promise<{ name: string; size: number }> {
  const body = await readJson(req, START_BYTES);
  const name = typeof body.name === "string" ? fileName(encodeURIComponent(body.name)) : null;
  if (name === null) throw new ParleyError(ErrorCode.BadFrame, "name must be the file name");
  if (typeof body.size !== "number") {
    throw new ParleyError(ErrorCode.BadFrame, "size must be the file's size in bytes", {
      field: "size",
    });
  }
  return { name, size: body.size };
}

/** `POST /api/conversations/:id/uploads` (agent): starts an upload in parts. */
export const startByAgent: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  requireCsrf(req, ctx);
  const conversationId = idParam(ctx.params.id);
  const file = await startOf(req);
  const upload = await ctx.app.attachments.startByAgent(agent, conversationId, file);
  return json({ upload }, 201);
};

/** `POST /api/widget/uploads` (visitor, `Authorization: Bearer <token>`). */
export const startByVisitor: Handler = withCors(CORS, async (req, ctx) => {
  const claims = await visitorOf(req, ctx);
  const upload = await ctx.app.attachments.startByVisitor(claims, await startOf(req));
  return json({ upload }, 201);
});

/**
 * The owner of an upload in parts: a visitor by `Authorization: Bearer`, else an agent by
 * session (and, for a write, the CSRF header).
 */
async function ownerOf(
  req: Request,
  ctx: RequestContext,
  write: boolean,
): Promise<AttachmentReader> {
  if (req.headers.has("authorization")) {
    return { kind: "visitor", claims: await visitorOf(req, ctx) };
  }
  const agent = await requireAgent(req, ctx);
  if (write) requireCsrf(req, ctx);
  return { kind: "agent", agent };
}

/** `GET /api/uploads/:id`: where an upload in parts stands (to resume it). */
export const uploadStatus: Handler = withCors(CORS, async (req, ctx) => {
  const owner = await ownerOf(req, ctx, false);
  return json(await ctx.app.attachments.uploadStatus(idParam(ctx.params.id), owner));
});

/**
 * `PUT /api/uploads/:id?offset=N`: one part, its bytes the body. `200 { upload }` while more is
 * to come, `201 { upload, attachment }` when it completed the file.
 */
export const putPart: Handler = withCors(
  CORS,
  closingOnError(async (req, ctx) => {
    const id = idParam(ctx.params.id);
    const raw = requestUrl(req).searchParams.get("offset") ?? "";
    if (!/^\d{1,15}$/.test(raw)) {
      await req.body?.cancel().catch(() => {});
      throw new ParleyError(ErrorCode.BadFrame, "offset must be where the part starts, in bytes", {
        field: "offset",
      });
    }
    const owner = await ownerOf(req, ctx, true);
    const length = req.headers.get("content-length");
    const result = await ctx.app.attachments.putPart(id, owner, Number(raw), {
      declaredType: req.headers.get("content-type"),
      declaredLength: length !== null && /^\d{1,15}$/.test(length) ? Number(length) : null,
      body: req.body,
    });
    return json(result, result.attachment ? 201 : 200);
  }),
);

/** `DELETE /api/uploads/:id`: cancels an upload in parts, or takes back an unsent file. */
export const cancelUpload: Handler = withCors(CORS, async (req, ctx) => {
  const owner = await ownerOf(req, ctx, true);
  await ctx.app.attachments.cancelUpload(idParam(ctx.params.id), owner);
  return new Response(null, { status: 204 });
});
