/**
 * What uploads the server accepts and how it serves them: the size limit and allowed types of
 * `PARLEY_MAX_UPLOAD_BYTES` and `PARLEY_UPLOAD_TYPES`, the type and disposition a download is
 * served with, and the file name as stored. Pure functions: the HTTP headers themselves are
 * written in `routes/api_attachments.ts`.
 *
 * @module
 */

import { MAX_ATTACHMENT_NAME_CHARS } from "../../protocol/limits.ts";
import {
  ATTACHMENT_KINDS,
  type AttachmentKind,
  INLINE_IMAGE_TYPES,
  type Sniffed,
} from "./sniff.ts";

/** The upload limits (server configuration). */
export interface UploadPolicy {
  /** Largest upload, in bytes. */
  maxBytes: number;
  /** Allowed kinds (`image`, `pdf`…) and exact MIME types, as `PARLEY_UPLOAD_TYPES` lists them. */
  allowed: readonly string[];
}

/** `PARLEY_MAX_UPLOAD_BYTES`'s default: 10 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** `PARLEY_UPLOAD_TYPES`'s default. */
export const DEFAULT_UPLOAD_TYPES: readonly string[] = ["image", "pdf", "text", "office"];

/**
 * Parses `PARLEY_UPLOAD_TYPES` (comma-separated kinds or MIME types); returns the list, or the
 * entries it does not know as an error string.
 */
export function parseUploadTypes(raw: string): { ok: true; list: string[] } | {
  ok: false;
  error: string;
} {
  const list = raw.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  const unknown = list.filter((s) =>
    !ATTACHMENT_KINDS.includes(s as AttachmentKind) && !/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(s)
  );
  if (list.length === 0) return { ok: false, error: "lists no type" };
  if (unknown.length > 0) {
    return {
      ok: false,
      error: `unknown ${unknown.join(", ")} (kinds: ${
        ATTACHMENT_KINDS.join(", ")
      }, or a MIME type)`,
    };
  }
  return { ok: true, list };
}

/** Whether the policy accepts a file of this sniffed type. */
export function allows(policy: UploadPolicy, file: Sniffed): boolean {
  return policy.allowed.includes(file.kind) || policy.allowed.includes(file.type);
}

/** Types served as themselves; anything else (HTML, SVG, XML, unknown) as a byte stream. */
const SERVED_AS_IS = new Set<string>([
  ...INLINE_IMAGE_TYPES,
  "application/pdf",
  "application/zip",
  "application/msword",
  "application/vnd.ms-excel",
  "application/vnd.ms-powerpoint",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
]);

/**
 * The `Content-Type` a download is served with. Markup a browser could run (HTML, SVG, XML),
 * even when the configuration allows its upload, is served as `application/octet-stream`: with
 * `attachment` disposition, `nosniff` and a sandboxing CSP it is a download, never a page.
 */
export function servedType(type: string): string {
  if (type === "text/plain" || type === "text/csv") return `${type}; charset=utf-8`;
  return SERVED_AS_IS.has(type) ? type : "application/octet-stream";
}

/** `inline` for raster images (the thumbnail and full-size view), `attachment` otherwise. */
export function dispositionType(type: string): "inline" | "attachment" {
  return INLINE_IMAGE_TYPES.includes(type) ? "inline" : "attachment";
}

/**
 * A `Content-Disposition` value (RFC 6266): an ASCII `filename` fallback for old clients and the
 * exact name as `filename*=UTF-8''…`.
 */
export function contentDisposition(type: string, name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${dispositionType(type)}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * The file name as stored, from the `X-Parley-Filename` header (percent-encoded UTF-8): only its
 * last path segment, without control characters, at most {@link MAX_ATTACHMENT_NAME_CHARS}
 * characters keeping its extension; `file` when nothing is left. Null when it does not decode.
 */
export function fileName(header: string | null): string | null {
  let name: string;
  try {
    name = decodeURIComponent(header ?? "");
  } catch {
    return null;
  }
  // deno-lint-ignore no-control-regex -- control characters are what is removed
  name = name.replace(/[\u0000-\u001f\u007f]/g, "").split(/[\\/]/).pop()?.trim() ?? "";
  if (name === "" || name === "." || name === "..") return "file";
  const chars = Array.from(name);
  if (chars.length <= MAX_ATTACHMENT_NAME_CHARS) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? Array.from(name.slice(dot)).slice(0, 16) : [];
  return chars.slice(0, MAX_ATTACHMENT_NAME_CHARS - ext.length).join("") + ext.join("");
}
