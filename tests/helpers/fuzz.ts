/**
 * Deterministic generators of malformed input for the fuzz tests: frames for both WebSocket
 * endpoints and bodies and queries for the HTTP API. Every generated case is invalid by
 * construction (it never happens to be a well-formed request), so each must be answered with a
 * typed error. The seed is printed so a failure can be replayed.
 *
 * @module
 */

import { MAX_FRAME_BYTES } from "../../protocol/limits.ts";

/** A small seeded PRNG (mulberry32). */
export class Rng {
  #s: number;
  /** Seeds the generator. */
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One element of `xs`. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** A string of `n` characters from a mixed alphabet (ASCII, markup, quotes, unicode). */
  text(n: number): string {
    const alphabet = "abcXYZ019 _-.:/\\\"'<>&{}[]%$#@!?\u00e9\u4e2d\u{1F600}\n\t";
    const chars = [...alphabet];
    let s = "";
    for (let i = 0; i < n; i++) s += this.pick(chars);
    return s;
  }
}

/** One malformed WebSocket frame. */
export interface FuzzFrame {
  /** What kind of malformation, for reporting. */
  kind: string;
  /** Text to send, or bytes for a binary frame. */
  data: string | Uint8Array;
}

/** A field of a frame type and how to break it. */
interface Field {
  key: string;
  kind: "string" | "id" | "int" | "bool" | "object" | "clientId" | "body";
  /** Maximum length (strings) or range (ints). */
  max?: number;
  min?: number;
  optional?: boolean;
}

const VISITOR_TYPES: Record<string, Field[]> = {
  message: [{ key: "clientId", kind: "clientId" }, { key: "body", kind: "body" }],
  typing: [{ key: "active", kind: "bool" }, {
    key: "preview",
    kind: "string",
    max: 500,
    optional: true,
  }],
  page: [{ key: "page", kind: "object" }],
  identify: [
    { key: "id", kind: "string", max: 128, min: 1 },
    { key: "name", kind: "string", max: 120, optional: true },
    { key: "email", kind: "string", max: 254, optional: true },
    { key: "hash", kind: "string", max: 128, optional: true },
  ],
  attributes: [{ key: "attributes", kind: "object" }],
  contact: [{ key: "email", kind: "string", max: 254, min: 3 }],
  read: [{ key: "seq", kind: "int", min: 0, max: 2 ** 31 }],
  sync: [
    { key: "afterSeq", kind: "int", min: 0, max: 2 ** 31, optional: true },
    { key: "limit", kind: "int", min: 1, max: 200, optional: true },
  ],
  rate: [{ key: "rating", kind: "int", min: 1, max: 5 }],
};

const AGENT_TYPES: Record<string, Field[]> = {
  message: [
    { key: "conversationId", kind: "id" },
    { key: "clientId", kind: "clientId" },
    { key: "body", kind: "body" },
    { key: "note", kind: "bool", optional: true },
  ],
  typing: [{ key: "conversationId", kind: "id" }, { key: "active", kind: "bool" }],
  accept: [{ key: "conversationId", kind: "id" }],
  resolve: [{ key: "conversationId", kind: "id" }],
  reopen: [{ key: "conversationId", kind: "id" }],
  unassign: [{ key: "conversationId", kind: "id" }],
  transfer: [{ key: "conversationId", kind: "id" }, { key: "agentId", kind: "id" }],
  read: [{ key: "conversationId", kind: "id" }, {
    key: "seq",
    kind: "int",
    min: 0,
    max: 2 ** 31,
  }],
  sync: [{ key: "conversationId", kind: "id" }, {
    key: "limit",
    kind: "int",
    min: 1,
    max: 200,
    optional: true,
  }],
  visitor: [{ key: "visitorId", kind: "id" }],
};

function validValue(rng: Rng, f: Field): unknown {
  switch (f.kind) {
    case "string":
      return "x".repeat(Math.max(f.min ?? 0, 3));
    case "id":
      return `id${rng.int(1e6)}`;
    case "clientId":
      return `fz-${rng.int(1e9)}`;
    case "body":
      return "hello";
    case "int":
      return f.min ?? 0;
    case "bool":
      return true;
    case "object":
      return f.key === "page" ? { url: "https://x.test/", title: "t" } : { plan: "pro" };
  }
}

/** A value that the field's validator must refuse. */
function badValue(rng: Rng, f: Field): unknown {
  const wrongTypes: unknown[] = [42, -1.5, true, [], [1, 2], { a: 1 }, "str"];
  const candidates: unknown[] = wrongTypes.filter((v) => {
    if (f.kind === "int") return typeof v !== "number" || !Number.isInteger(v);
    if (f.kind === "bool") return typeof v !== "boolean";
    if (f.kind === "object") return typeof v !== "object" || Array.isArray(v);
    return typeof v !== "string";
  });
  if (!f.optional) candidates.push(null);
  switch (f.kind) {
    case "int":
      candidates.push(
        (f.min ?? 0) - 1,
        (f.max ?? 0) + 1,
        1.5,
        1e308,
        -1e308,
        2 ** 53 + 2,
        "1",
      );
      break;
    case "string":
      candidates.push("y".repeat((f.max ?? 10) + 1 + rng.int(50)));
      if ((f.min ?? 0) > 0) candidates.push("");
      break;
    case "id":
      candidates.push("", "a b", "../etc/passwd", "x".repeat(65), "id;DROP TABLE", "\u0000");
      break;
    case "clientId":
      candidates.push("", "has space", "x".repeat(65), "<script>", "\u00e9");
      break;
    case "body":
      candidates.push("", "   \n\t ", "z".repeat(8001 + rng.int(100)), "nul\u0000byte");
      break;
    case "object":
      if (f.key === "page") {
        candidates.push({ url: 5, title: "t" }, { url: "u" }, {
          url: "u".repeat(2049),
          title: "t",
        });
      } else {
        candidates.push({ nested: { deep: 1 } }, { k: [1] }, {
          ["k".repeat(65)]: 1,
        }, Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i])));
      }
      break;
  }
  return rng.pick(candidates);
}

function deep(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { d: v };
  return v;
}

/** Generates `count` malformed frames for the visitor (`"visitor"`) or agent endpoint. */
export function fuzzFrames(rng: Rng, endpoint: "visitor" | "agent", count: number): FuzzFrame[] {
  const types = endpoint === "visitor" ? VISITOR_TYPES : AGENT_TYPES;
  const names = Object.keys(types);
  const out: FuzzFrame[] = [];
  const valid = (type: string): Record<string, unknown> => {
    const o: Record<string, unknown> = { type };
    for (const f of types[type]) if (!f.optional || rng.next() < 0.5) o[f.key] = validValue(rng, f);
    return o;
  };
  const strategies: (() => FuzzFrame)[] = [
    () => {
      const type = rng.pick(names);
      const o = valid(type);
      const f = rng.pick(types[type]);
      o[f.key] = badValue(rng, f);
      return { kind: `wrong ${f.kind} ${type}.${f.key}`, data: JSON.stringify(o) };
    },
    () => {
      const type = rng.pick(names);
      const o = valid(type);
      const required = types[type].filter((f) => !f.optional);
      if (required.length === 0) {
        return { kind: "unknown type", data: `{"type":"zz${rng.int(9)}"}` };
      }
      delete o[rng.pick(required).key];
      return { kind: `missing field ${type}`, data: JSON.stringify(o) };
    },
    () => ({
      kind: "unknown type",
      data: JSON.stringify({
        type: rng.pick(["", "HELLO", "__proto__", "constructor", rng.text(20), "x".repeat(500)]),
      }),
    }),
    () => ({
      kind: "type not a string",
      data: JSON.stringify({ type: rng.pick([1, null, true, [], { t: "message" }]) }),
    }),
    () => ({ kind: "no type", data: JSON.stringify({ body: "hi", clientId: "c1" }) }),
    () => ({
      kind: "invalid json",
      data: rng.pick([
        "",
        "{",
        "}",
        "{'type':'ping'}",
        '{"type":"ping",}',
        '{"type":"ping"',
        "NaN",
        "undefined",
        '{"type":"message","body":"\\x41"}',
        rng.text(1 + rng.int(200)),
        '{"type":"ping"}{"type":"ping"}',
      ]),
    }),
    () => ({
      kind: "not an object",
      data: rng.pick(["null", "true", "42", '"ping"', '["ping"]', "[]", "1e999"]),
    }),
    () => {
      const type = rng.pick(names);
      const o = valid(type);
      const key = rng.pick(["__proto__", "constructor", "prototype"]);
      const text = JSON.stringify(o).replace(/^\{/, `{"${key}":{"polluted":true},`);
      return { kind: `forbidden key ${key}`, data: text };
    },
    () => {
      const type = rng.pick(names);
      const o = valid(type);
      o.extra = deep(9 + rng.int(2000));
      return { kind: "deep nesting", data: JSON.stringify(o) };
    },
    () => ({
      kind: "deeply nested arrays",
      data: `{"type":"ping","x":${"[".repeat(5000)}${"]".repeat(5000)}}`,
    }),
    () => ({
      kind: "huge frame",
      data: JSON.stringify({
        type: rng.pick(names),
        body: "h".repeat(MAX_FRAME_BYTES + 1 + rng.int(200_000)),
      }),
    }),
    () => ({
      kind: "binary frame",
      data: crypto.getRandomValues(new Uint8Array(1 + rng.int(2048))),
    }),
  ];
  for (let i = 0; i < count; i++) out.push(rng.pick(strategies)());
  return out;
}

/** One malformed HTTP body: content type and bytes. */
export interface FuzzBody {
  kind: string;
  contentType: string;
  body: string;
}

/** Bodies every JSON endpoint must refuse, given the fields it reads. */
export function fuzzBodies(
  rng: Rng,
  fields: Record<string, "string" | "int" | "bool">,
  count: number,
): FuzzBody[] {
  const keys = Object.keys(fields);
  const json = "application/json";
  const strategies: (() => FuzzBody)[] = [
    () => ({
      kind: "invalid json",
      contentType: json,
      body: rng.pick(["{", "", "{'a':1}", "nul"]),
    }),
    () => ({
      kind: "not an object",
      contentType: json,
      body: rng.pick(["[]", "null", "1", '"x"', "true"]),
    }),
    () => ({
      kind: "wrong content type",
      contentType: rng.pick(["text/plain", "", "x"]),
      body: "{}",
    }),
    () => ({
      kind: "too large",
      contentType: json,
      body: JSON.stringify({ [keys[0] ?? "x"]: "x".repeat(17_000 + rng.int(50_000)) }),
    }),
    () => ({
      kind: "forbidden key",
      contentType: json,
      body: `{"__proto__":{"role":"admin"},"constructor":{"prototype":{"admin":true}}}`,
    }),
    () => ({ kind: "deep nesting", contentType: json, body: JSON.stringify({ a: deep(50) }) }),
    () => {
      if (keys.length === 0) return { kind: "invalid json", contentType: json, body: "[" };
      const key = rng.pick(keys);
      const wrong = fields[key] === "string"
        ? rng.pick([1, true, [], { a: 1 }, "x".repeat(300)])
        : fields[key] === "int"
        ? rng.pick(["1", 1.5, -1, 1e308, true, "NaN"])
        : rng.pick(["true", 1, [], {}]);
      return { kind: `wrong ${key}`, contentType: json, body: JSON.stringify({ [key]: wrong }) };
    },
  ];
  return Array.from({ length: count }, () => rng.pick(strategies)());
}

/** Query values that a strict parameter parser must refuse or ignore safely. */
export function fuzzQueryValue(rng: Rng): string {
  return rng.pick([
    "-1",
    "0",
    "1.5",
    "1e999",
    "NaN",
    "9999999999999999999999",
    "",
    "%00",
    "' OR 1=1 --",
    "x".repeat(300),
    "queued,nope",
    "2024-13-45",
    "<script>",
    rng.text(30),
  ]);
}
