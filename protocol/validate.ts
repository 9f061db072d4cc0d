/**
 * A tiny, dependency-free validation kit for untrusted JSON. Browser-safe.
 *
 * Each field reader takes an unknown value and returns a typed value or throws
 * {@link ValidationError}; nothing is ever cast with `as T` on untrusted data.
 *
 * @module
 */

import { MAX_JSON_DEPTH } from "./limits.ts";

/** Thrown when untrusted input does not match its expected shape. */
export class ValidationError extends Error {
  /** Always `"bad_frame"` or `"too_large"`, so it maps directly onto an error frame. */
  readonly code: "bad_frame" | "too_large";
  /** Creates a validation error for `field`. */
  constructor(message: string, code: "bad_frame" | "too_large" = "bad_frame") {
    super(message);
    this.name = "ValidationError";
    this.code = code;
  }
}

/** A plain JSON object whose own keys can be read safely. */
export type Obj = Record<string, unknown>;

/** Parses JSON text, rejecting deep nesting and `__proto__`/`constructor` keys. */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError("Invalid JSON");
  }
  checkDepth(value, 0);
  return value;
}

function checkDepth(value: unknown, depth: number): void {
  if (value === null || typeof value !== "object") return;
  if (depth >= MAX_JSON_DEPTH) throw new ValidationError("JSON nested too deeply");
  if (Array.isArray(value)) {
    for (const item of value) checkDepth(item, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") {
      throw new ValidationError(`Forbidden key: ${key}`);
    }
    checkDepth((value as Obj)[key], depth + 1);
  }
}

/** Asserts that `value` is a plain object (not an array or null). */
export function object(value: unknown, field = "frame"): Obj {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError(`${field} must be an object`);
  }
  return value as Obj;
}

/** Reads a string field of at most `max` characters (and at least `min`). */
export function string(o: Obj, key: string, max: number, min = 0): string {
  const v = o[key];
  if (typeof v !== "string") throw new ValidationError(`${key} must be a string`);
  if (v.length > max) throw new ValidationError(`${key} is longer than ${max}`, "too_large");
  if (v.length < min) throw new ValidationError(`${key} is shorter than ${min}`);
  return v;
}

/** Reads an optional string field; `undefined` and `null` both mean absent. */
export function optString(o: Obj, key: string, max: number): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : string(o, key, max);
}

/** Reads an integer field within `[min, max]`. */
export function integer(o: Obj, key: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new ValidationError(`${key} must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** Reads an optional integer field within `[min, max]`. */
export function optInteger(o: Obj, key: string, min: number, max: number): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : integer(o, key, min, max);
}

/** Reads a boolean field. */
export function boolean(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new ValidationError(`${key} must be a boolean`);
  return v;
}

/** Reads an optional boolean field. */
export function optBoolean(o: Obj, key: string): boolean | undefined {
  return o[key] === undefined || o[key] === null ? undefined : boolean(o, key);
}

/** Reads a string field that must be one of `values`. */
export function oneOf<T extends string>(o: Obj, key: string, values: readonly T[]): T {
  const v = o[key];
  for (const allowed of values) if (v === allowed) return allowed;
  throw new ValidationError(`${key} must be one of ${values.join(", ")}`);
}

/** Reads an identifier: 1-64 characters of letters, digits, `-` and `_`. */
export function id(o: Obj, key: string): string {
  const v = string(o, key, 64, 1);
  if (!/^[A-Za-z0-9_-]+$/.test(v)) throw new ValidationError(`${key} has invalid characters`);
  return v;
}

/** Reads a flat map of scalar attributes (at most `maxKeys` keys, short values). */
export function attributes(
  o: Obj,
  key: string,
  maxKeys = 30,
): Record<string, string | number | boolean | null> {
  const src = object(o[key], key);
  const keys = Object.keys(src);
  if (keys.length > maxKeys) throw new ValidationError(`${key} has more than ${maxKeys} keys`);
  const out: Record<string, string | number | boolean | null> = {};
  for (const k of keys) {
    if (k.length > 64) throw new ValidationError(`${key} key is longer than 64`, "too_large");
    const v = src[k];
    if (typeof v === "string") {
      if (v.length > 500) throw new ValidationError(`${key}.${k} is too long`, "too_large");
      out[k] = v;
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new ValidationError(`${key}.${k} must be finite`);
      out[k] = v;
    } else if (typeof v === "boolean" || v === null) {
      out[k] = v;
    } else {
      throw new ValidationError(`${key}.${k} must be a string, number, boolean or null`);
    }
  }
  return out;
}
