/**
 * The public REST API's machinery (`/api/v1`, docs/api.md): routes are declared once with
 * {@link defineRoute} (method, path, scope, schemas of path, query, body and responses), and
 * both the router (`apiRoutes`, mounted by `mod.ts`) and the OpenAPI document
 * (`api_v1_openapi.ts`) are made from that one list, so neither can drift from the other.
 *
 * Every request but the document's needs `Authorization: Bearer <API token>`; the console's
 * session cookie is never read here. Each token has a request budget per minute (429 with
 * `Retry-After` past it) and answers carry `X-RateLimit-Limit` / `X-RateLimit-Remaining`.
 *
 * @module
 */

import type { Static, TObject, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { RateDecision } from "../core/api/mod.ts";
import type { ApiTokenRecord } from "../db/store.ts";
import type { Handler, RequestContext } from "./context.ts";
import { errorResponse, json, readJson } from "./http.ts";

/** Largest request body of the API (a message of `MAX_BODY_CHARS` in a 4-byte script fits). */
const MAX_API_BODY_BYTES = 64 * 1024;

/**
 * What a handler answers: a status and a JSON body, or a stream of another media type (the CSV
 * export) with its own headers, sent as it is read.
 */
export type ApiAnswer =
  | { status: number; body: unknown }
  | { status: number; stream: ReadableStream<Uint8Array>; headers: Record<string, string> };

/** What a route's handler receives, validated. */
export interface ApiInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller's token (null on public routes only). */
  token: ApiTokenRecord | null;
  ctx: RequestContext;
}

/** One documented response of a route. */
export interface ApiResponseSpec {
  description: string;
  /** The body's schema; none for a body-less answer. */
  schema?: TSchema;
  /** The body's media type (default `application/json`). */
  mediaType?: string;
}

/** Who may call a route: anyone, any token, or a `write` token. */
export type ApiScope = "public" | "read" | "write";

/** A declared route, its types erased: what the router and the document read. */
export interface ApiRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI path template, e.g. `/api/v1/conversations/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  scope: ApiScope;
  params?: TObject;
  query?: TObject;
  body?: TSchema;
  /** Success answers by status; the common errors are added by the document. */
  responses: Record<number, ApiResponseSpec>;
  /** Validates the raw input against the schemas, then runs the handler. */
  run(
    raw: { params: unknown; query: unknown; body: unknown },
    token: ApiTokenRecord | null,
    ctx: RequestContext,
  ): Promise<ApiAnswer>;
}

/** A route as declared, with its handler typed by its schemas. */
export interface RouteSpec<P extends TObject, Q extends TObject, B extends TSchema>
  extends Omit<ApiRoute, "run" | "params" | "query" | "body"> {
  params?: P;
  query?: Q;
  body?: B;
  handler(input: ApiInput<Static<P>, Static<Q>, Static<B>>): Promise<ApiAnswer>;
}

/** Declares a route: the handler gets its path, query and body validated into typed values. */
export function defineRoute<
  P extends TObject = TObject,
  Q extends TObject = TObject,
  B extends TSchema = TSchema,
>(spec: RouteSpec<P, Q, B>): ApiRoute {
  const { handler, ...rest } = spec;
  return {
    ...rest,
    run(raw, token, ctx) {
      const params = spec.params ? pathInput(spec.params, raw.params) : {};
      const query = spec.query ? input(spec.query, raw.query, "query") : {};
      const body = spec.body ? input(spec.body, raw.body, "body") : undefined;
      // Without a schema the value is `{}` / `undefined`, which is what `Static` of the
      // defaults (no declared field) admits.
      return handler({
        params: params as Static<P>,
        query: query as Static<Q>,
        body: body as Static<B>,
        token,
        ctx,
      });
    },
  };
}

/**
 * Checks `value`; throws `bad_frame` naming the field. Path and query values are strings and are
 * converted first (`"20"` to 20 for an integer); a JSON body is checked as sent, never converted
 * (`{"name": true}` must be refused, not read as `"true"`).
 */
function input<T extends TSchema>(schema: T, value: unknown, where: string): Static<T> {
  const converted = where === "body" ? value : Value.Convert(schema, value);
  if (Value.Check(schema, converted)) return converted;
  const first = Value.Errors(schema, converted).First();
  const field = first ? pointerToField(first.path) : "";
  const message = first?.message ?? "Invalid value";
  throw new ParleyError(
    ErrorCode.BadFrame,
    field === "" ? `${where}: ${message}` : `${field}: ${message}`,
    field === "" ? {} : { field },
  );
}

/** A path parameter that cannot be an id names nothing: 404, as an unknown id would. */
function pathInput<T extends TObject>(schema: T, value: unknown): Static<T> {
  try {
    return input(schema, value, "path");
  } catch {
    throw new ParleyError(ErrorCode.NotFound, "Not found");
  }
}

/** `/author/agentId` → `author.agentId`; `/a/0` → `a[0]`. */
function pointerToField(pointer: string): string {
  return pointer.split("/").slice(1).map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((out, p) => /^\d+$/.test(p) ? `${out}[${p}]` : out === "" ? p : `${out}.${p}`, "");
}

function rateHeaders(rate: RateDecision | null): Record<string, string> {
  if (rate === null) return {};
  return {
    "x-ratelimit-limit": String(rate.limit),
    "x-ratelimit-remaining": String(rate.remaining),
    ...(rate.ok ? {} : { "retry-after": String(rate.retryAfterSeconds) }),
  };
}

/** The token of `Authorization: Bearer <token>`, or throws `unauthorized` (401). */
async function authenticate(req: Request, ctx: RequestContext): Promise<ApiTokenRecord> {
  const header = req.headers.get("authorization");
  const m = header === null ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!m) {
    throw new ParleyError(
      ErrorCode.Unauthorized,
      "An API token is required: Authorization: Bearer <token>",
    );
  }
  const token = await ctx.app.api.tokens.verify(m[1]);
  if (!token) throw new ParleyError(ErrorCode.Unauthorized, "API token unknown or revoked");
  return token;
}

/** The `Deno.serve`-level handler of one declared route. */
export function routeHandler(route: ApiRoute): Handler {
  return async (req, ctx) => {
    let rate: RateDecision | null = null;
    let token: ApiTokenRecord | null = null;
    try {
      if (route.scope !== "public") {
        token = await authenticate(req, ctx);
        rate = ctx.app.api.rate.take(token.id);
        if (!rate.ok) {
          throw new ParleyError(ErrorCode.RateLimited, "Too many requests for this token");
        }
        if (route.scope === "write" && token.scope !== "write") {
          throw new ParleyError(ErrorCode.Forbidden, "This token may only read");
        }
      }
      const query: Record<string, string> = {};
      for (const [k, v] of ctx.url.searchParams) {
        if (k in query) {
          throw new ParleyError(ErrorCode.BadFrame, `${k}: given twice`, { field: k });
        }
        query[k] = v;
      }
      const body = route.body ? await readJson(req, MAX_API_BODY_BYTES) : undefined;
      const answer = await route.run({ params: ctx.params, query, body }, token, ctx);
      const headers = { ...rateHeaders(rate), "cache-control": "no-store" };
      if ("stream" in answer) {
        return new Response(answer.stream, {
          status: answer.status,
          headers: { ...answer.headers, ...headers, "x-content-type-options": "nosniff" },
        });
      }
      // A 204 has no body at all (a Response refuses one).
      if (answer.status === 204) {
        return new Response(null, {
          status: 204,
          headers: { ...headers, "x-content-type-options": "nosniff" },
        });
      }
      return json(answer.body, answer.status, headers);
    } catch (err) {
      const res = errorResponse(err, ctx.app.log, ctx.requestId);
      for (const [k, v] of Object.entries(rateHeaders(rate))) res.headers.set(k, v);
      if (res.status === 401) {
        res.headers.set(
          "www-authenticate",
          token === null && req.headers.has("authorization")
            ? 'Bearer realm="parley", error="invalid_token"'
            : 'Bearer realm="parley"',
        );
      }
      return res;
    }
  };
}

/** The caller's token on a route that requires one (the router has checked it). */
export function tokenOf(input: { token: ApiTokenRecord | null }): ApiTokenRecord {
  if (input.token === null) throw new ParleyError(ErrorCode.Unauthorized, "API token required");
  return input.token;
}
