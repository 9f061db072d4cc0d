/**
 * The widget's own check of a file against the server's upload limits (`uploads` of the site
 * settings: `PARLEY_MAX_UPLOAD_BYTES`, `PARLEY_UPLOAD_TYPES`), so a file the server would refuse
 * is refused at once, without sending a byte. The server still decides (it sniffs the bytes):
 * its 413, 415 and 422 answers map to the same reasons.
 *
 * @module
 */

import type { UploadLimits } from "../../../protocol/site_settings.ts";

/** Why a file is refused: too large, type not accepted, not a valid image, anything else. */
export type Refusal = "tooLarge" | "badType" | "badImage" | "failed";

/** The server's kinds by the MIME type a browser gives a file (from its name). */
const KINDS: [RegExp, string][] = [
  [/^image\/(png|jpeg|gif|webp)$/, "image"],
  [/^image\/svg/, "svg"],
  [/^application\/pdf$/, "pdf"],
  [/^text\/(plain|csv)$/, "text"],
  [/^text\/html$/, "html"],
  [/xml$/, "xml"],
  [/officedocument|msword|ms-excel|ms-powerpoint/, "office"],
  [/zip$/, "zip"],
];

/**
 * Why `file` would be refused under `limits`, or null when the server may take it. A file whose
 * type the browser does not know (`""`) is left to the server's sniffing.
 */
export function refusal(
  file: { size: number; type: string },
  limits: UploadLimits | undefined,
): Refusal | null {
  if (!limits) return null;
  if (file.size > limits.maxBytes) return "tooLarge";
  if (!file.type) return null;
  const kind = KINDS.find(([re]) => re.test(file.type))?.[1] ?? "other";
  return limits.types.includes(kind) || limits.types.includes(file.type) ? null : "badType";
}

/** The reason an upload answer gives, by HTTP status (the server's codes, docs/http_api.md). */
export function refusalOf(status: number): Refusal {
  return status === 413
    ? "tooLarge"
    : status === 415
    ? "badType"
    : status === 422
    ? "badImage"
    : "failed";
}

/**
 * A size for people, in the locale: "512 bytes", "850 kB", "2.4 MB" (decimal units, as file
 * managers show them).
 */
export function formatSize(bytes: number, locale: string): string {
  const [unit, n] = bytes < 1e3
    ? ["byte", bytes]
    : bytes < 1e6
    ? ["kilobyte", bytes / 1e3]
    : ["megabyte", bytes / 1e6];
  return new Intl.NumberFormat(locale, {
    style: "unit",
    unit,
    // "48 bytes": the short form is "48 byte" in English.
    unitDisplay: unit === "byte" ? "long" : "short",
    maximumFractionDigits: n < 10 ? 1 : 0,
  }).format(n);
}
