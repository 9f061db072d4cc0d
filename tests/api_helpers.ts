/**
 * Helpers of the public API tests (`tests/api_*_test.ts`): an HTTP client that speaks bearer
 * tokens or console sessions, token creation through the console API, and a small JSON Schema
 * validator (the keywords the OpenAPI document uses) to check real answers against the
 * document itself, not against the server's own schema objects.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ADMIN, type TestServer } from "./helpers/server.ts";

/** A JSON answer: status, headers and parsed body (null when empty). */
export interface Answer {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any -- a test reads whatever the server answered
  body: any;
  text: string;
}

/**
 * Calls the server: `token` as a bearer, `cookie` as a console session with the CSRF header
 * (left out with `csrf: false`, to test its refusal).
 */
export async function call(
  t: TestServer,
  method: string,
  path: string,
  opts: {
    token?: string;
    cookie?: string;
    csrf?: boolean;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.cookie && opts.csrf !== false ? { "x-parley-csrf": "1" } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body, text };
}

const cookies = new WeakMap<TestServer, Promise<string>>();
/** The admin's console session on `t`, signed in once. */
export function adminCookie(t: TestServer): Promise<string> {
  let c = cookies.get(t);
  if (!c) {
    c = t.login(ADMIN.email, ADMIN.password);
    cookies.set(t, c);
  }
  return c;
}

/** Creates an API token through the console API; returns its secret and record. */
export async function makeToken(
  t: TestServer,
  opts: { name?: string; scope?: "read" | "write"; sites?: string[] } = {},
): Promise<{ secret: string; id: string }> {
  const res = await call(t, "POST", "/api/tokens", {
    cookie: await adminCookie(t),
    body: { name: opts.name ?? "Test token", scope: opts.scope ?? "write", sites: opts.sites },
  });
  assert.equal(res.status, 201, res.text);
  return { secret: res.body.secret, id: res.body.token.id };
}

/** Creates a site through the store. */
export async function makeSite(t: TestServer): Promise<string> {
  const id = `s-${crypto.randomUUID().slice(0, 8)}`;
  await t.store.upsertSite({ id, name: `Shop ${id}` });
  return id;
}

type Schema = Record<string, unknown>;

/**
 * Errors of `value` against `schema` (JSON Schema 2020-12 as OpenAPI 3.1 embeds it: the
 * keywords the document uses), `$ref`s resolved in `doc`. Empty when it validates.
 */
export function schemaErrors(doc: Schema, schema: unknown, value: unknown, at = "$"): string[] {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${at}: not allowed`];
  const s = schema as Schema;
  if (typeof s.$ref === "string") {
    const target = s.$ref.replace(/^#\//, "").split("/").reduce(
      (o: unknown, k) => (o as Schema)?.[k],
      doc as unknown,
    );
    if (target === undefined) return [`${at}: unresolved ${s.$ref}`];
    return schemaErrors(doc, target, value, at);
  }
  const errors: string[] = [];
  if (Array.isArray(s.anyOf)) {
    if (!s.anyOf.some((x) => schemaErrors(doc, x, value, at).length === 0)) {
      errors.push(`${at}: matches none of anyOf`);
    }
  }
  if ("const" in s && value !== s.const) errors.push(`${at}: not ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(value)) errors.push(`${at}: not in enum`);
  const type = s.type;
  if (typeof type === "string") {
    const ok = type === "null"
      ? value === null
      : type === "integer"
      ? Number.isInteger(value)
      : type === "array"
      ? Array.isArray(value)
      : type === "object"
      ? typeof value === "object" && value !== null && !Array.isArray(value)
      : type === "string"
      ? typeof value === "string"
      : type === "number"
      ? typeof value === "number"
      : type === "boolean"
      ? typeof value === "boolean"
      : false;
    if (!ok) return [...errors, `${at}: not ${type}: ${JSON.stringify(value)?.slice(0, 80)}`];
  }
  if (typeof value === "string") {
    if (typeof s.minLength === "number" && value.length < s.minLength) errors.push(`${at}: short`);
    if (typeof s.maxLength === "number" && value.length > s.maxLength) errors.push(`${at}: long`);
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value)) {
      errors.push(`${at}: does not match ${s.pattern}`);
    }
    if (s.format === "date-time" && Number.isNaN(Date.parse(value))) {
      errors.push(`${at}: not a date-time`);
    }
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) errors.push(`${at}: below minimum`);
    if (typeof s.maximum === "number" && value > s.maximum) errors.push(`${at}: above maximum`);
  }
  if (Array.isArray(value) && s.items !== undefined) {
    value.forEach((v, i) => errors.push(...schemaErrors(doc, s.items, v, `${at}[${i}]`)));
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, unknown>;
    for (const r of (s.required ?? []) as string[]) {
      if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    }
    const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, unknown>);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) {
        errors.push(...schemaErrors(doc, props[k], v, `${at}.${k}`));
        continue;
      }
      const matching = patterns.filter(([p]) => new RegExp(p, "u").test(k));
      for (const [, p] of matching) errors.push(...schemaErrors(doc, p, v, `${at}.${k}`));
      if (matching.length === 0 && s.additionalProperties !== undefined) {
        errors.push(...schemaErrors(doc, s.additionalProperties, v, `${at}.${k}`));
      }
    }
  }
  return errors;
}
