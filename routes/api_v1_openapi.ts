/**
 * The OpenAPI 3.1 document of `/api/v1`, made from the declared routes (`api_v1_routes.ts`) and
 * their TypeBox schemas, which are JSON Schema already: what validates a request is what the
 * document says. Schemas whose `title` names one of `COMPONENTS` become `$ref`s to
 * `#/components/schemas/<title>`.
 *
 * @module
 */

import type { TSchema } from "@sinclair/typebox";
import type { ApiRoute } from "./api_v1.ts";
import { COMPONENTS, ErrorBody } from "./api_v1_schemas.ts";

/** The version of the API this document describes. */
export const API_VERSION = "1.0.0";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A schema as plain JSON (TypeBox's symbol keys dropped), named components replaced by
 * references unless `root` is that component itself.
 */
function plain(schema: TSchema | unknown, root?: string): Json {
  if (Array.isArray(schema)) return schema.map((s) => plain(s));
  if (typeof schema !== "object" || schema === null) return schema as Json;
  const title = (schema as { title?: unknown }).title;
  if (typeof title === "string" && title !== root && COMPONENTS[title] === schema) {
    return { $ref: `#/components/schemas/${title}` };
  }
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(schema)) out[k] = plain(v);
  return out;
}

function errorResponse(description: string): Json {
  return {
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}

/** The common error answers of a route, by status. */
function errorResponses(route: ApiRoute): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (route.body || route.query) out["400"] = errorResponse("Invalid request (`bad_frame`)");
  if (route.scope === "public") return out;
  out["401"] = errorResponse("Missing, unknown or revoked token (`unauthorized`)");
  if (route.scope === "write") out["403"] = errorResponse("A read-only token (`forbidden`)");
  if (route.params || route.method !== "GET") {
    out["404"] = errorResponse("Not found, or of a site the token may not see (`not_found`)");
  }
  if (route.method !== "GET") out["409"] = errorResponse("Does not fit the state (`conflict`)");
  out["429"] = {
    ...errorResponse("Over the token's requests per minute (`rate_limited`)") as object,
    headers: {
      "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } },
    },
  };
  return out;
}

function parameters(route: ApiRoute): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [["path", route.params], ["query", route.query]] as const) {
    if (!schema) continue;
    const required = new Set(schema.required ?? []);
    for (const [name, prop] of Object.entries(schema.properties)) {
      const p = plain(prop);
      const rest: { [k: string]: Json } = typeof p === "object" && p !== null && !Array.isArray(p)
        ? { ...p }
        : {};
      const description = rest.description;
      delete rest.description;
      out.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(description !== undefined ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

const RATE_HEADERS: Json = {
  "X-RateLimit-Limit": { description: "Requests per minute", schema: { type: "integer" } },
  "X-RateLimit-Remaining": { description: "Requests left now", schema: { type: "integer" } },
};

/** Builds the document for `routes`. */
export function openApiDocument(routes: readonly ApiRoute[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const responses: Record<string, Json> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = {
        description: spec.description,
        ...(r.scope === "public" ? {} : { headers: RATE_HEADERS }),
        content: {
          [spec.mediaType ?? "application/json"]: { schema: spec.schema ? plain(spec.schema) : {} },
        },
      };
    }
    Object.assign(responses, errorResponses(r));
    const params = parameters(r);
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(r.scope === "public" ? { security: [] } : {}),
      // Which token scope the operation needs (public: none), for readers and generators.
      "x-parley-scope": r.scope,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.body
        ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: plain(r.body) } },
          },
        }
        : {}),
      responses,
    };
  }
  const schemas: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(COMPONENTS)) schemas[name] = plain(schema, name);
  schemas.Error = plain(ErrorBody, "Error");
  return {
    openapi: "3.1.0",
    info: {
      title: "Parley API",
      version: API_VERSION,
      description: "The public REST API of Parley: conversations, messages, labels, visitors, " +
        "agents and reports. Authenticate with `Authorization: Bearer <API token>` (Settings → API tokens " +
        "in the console). See docs/api.md.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API token: parley_<id>_<secret>",
        },
      },
    },
  };
}
