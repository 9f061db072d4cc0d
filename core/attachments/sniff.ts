/**
 * What an uploaded file really is, from its bytes: the client's `Content-Type` and file name are
 * never trusted for what is stored and served (docs/attachments.md, "Security"). Magic bytes
 * decide the type; the name's extension only tells apart the formats that share a container (a
 * zip is a docx, xlsx or pptx; an OLE2 file a doc, xls or ppt). An image is re-checked by reading
 * its dimensions from its header: a file that claims or sniffs as an image and does not parse is
 * refused, so a browser never renders something else under an image's name.
 *
 * @module
 */

/**
 * The families `PARLEY_UPLOAD_TYPES` names. `html`, `svg` and `xml` are markup a browser would
 * run script from; `zip` an archive that is no office document; `other` anything unrecognised.
 */
export type AttachmentKind =
  | "image"
  | "pdf"
  | "text"
  | "office"
  | "html"
  | "svg"
  | "xml"
  | "zip"
  | "other";

/** Every {@link AttachmentKind}, for validating configuration. */
export const ATTACHMENT_KINDS: readonly AttachmentKind[] = [
  "image",
  "pdf",
  "text",
  "office",
  "html",
  "svg",
  "xml",
  "zip",
  "other",
];

/** The sniffed type of a file. */
export interface Sniffed {
  /** The MIME type stored and reported (`image/png`, `text/plain`…). */
  type: string;
  kind: AttachmentKind;
}

/** Width and height in pixels. */
export interface Dimensions {
  width: number;
  height: number;
}

/** Raster image types Parley shows inline (the only ones served `inline`). */
export const INLINE_IMAGE_TYPES: readonly string[] = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
];

const OFFICE_ZIP: Record<string, string> = {
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

const OFFICE_OLE2: Record<string, string> = {
  doc: "application/msword",
  xls: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
};

const IMAGE_EXTENSIONS = new Set(["png", "jpg", "jpeg", "jpe", "gif", "webp"]);

/** The lower-case extension of a file name, without the dot ("" when none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 || dot === name.length - 1 ? "" : name.slice(dot + 1).toLowerCase();
}

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * Markup a browser may treat as a document (the WHATWG sniffing table's HTML signatures, plus
 * SVG and XML), looked for after leading whitespace and a byte-order mark.
 */
const HTML_TAGS = [
  "<!doctype html",
  "<html",
  "<head",
  "<body",
  "<script",
  "<iframe",
  "<h1",
  "<div",
  "<font",
  "<table",
  "<a",
  "<style",
  "<title",
  "<b",
  "<br",
  "<p",
  "<!--",
  "<img",
  "<object",
  "<embed",
  "<meta",
  "<form",
  "<svg",
];

/** The start of `head` as lower-case text, after a BOM and whitespace (for markup checks). */
function leadingText(head: Uint8Array): string {
  let i = startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || (head[i] >= 0x09 && head[i] <= 0x0d))) i++;
  return new TextDecoder("latin1").decode(head.subarray(i, i + 512)).toLowerCase();
}

function markup(head: Uint8Array): Sniffed | null {
  const text = leadingText(head);
  if (!text.startsWith("<")) return null;
  // An SVG anywhere in the first bytes of an XML or markup file: it can carry script.
  if (text.startsWith("<svg") || (text.startsWith("<?xml") && text.includes("<svg"))) {
    return { type: "image/svg+xml", kind: "svg" };
  }
  if (text.startsWith("<?xml")) return { type: "application/xml", kind: "xml" };
  for (const tag of HTML_TAGS) {
    const next = text.charAt(tag.length);
    if (text.startsWith(tag) && (tag === "<!--" || next === " " || next === ">" || next === "")) {
      return { type: "text/html", kind: "html" };
    }
  }
  // Anything else opening with a tag is still markup to a browser's eyes.
  if (/^<[a-z!?]/.test(text)) return { type: "text/html", kind: "html" };
  return null;
}

/**
 * Sniffs a file's type from its first bytes (`head`, up to the first chunk) and its name. Plain
 * text is only a candidate here: the whole file must still be UTF-8 without NUL bytes
 * ({@link TextCheck}).
 */
export function sniff(head: Uint8Array, name: string): Sniffed {
  const ext = extensionOf(name);
  if (startsWith(head, PNG)) return { type: "image/png", kind: "image" };
  if (startsWith(head, JPEG)) return { type: "image/jpeg", kind: "image" };
  if (startsWith(head, ascii("GIF87a")) || startsWith(head, ascii("GIF89a"))) {
    return { type: "image/gif", kind: "image" };
  }
  if (startsWith(head, ascii("RIFF")) && startsWith(head, ascii("WEBP"), 8)) {
    return { type: "image/webp", kind: "image" };
  }
  if (startsWith(head, ascii("%PDF-"))) return { type: "application/pdf", kind: "pdf" };
  if (startsWith(head, ZIP)) {
    const office = OFFICE_ZIP[ext];
    return office ? { type: office, kind: "office" } : { type: "application/zip", kind: "zip" };
  }
  if (startsWith(head, OLE2)) {
    const office = OFFICE_OLE2[ext];
    return office
      ? { type: office, kind: "office" }
      : { type: "application/octet-stream", kind: "other" };
  }
  const marked = markup(head);
  if (marked) return marked;
  if (looksLikeText(head)) {
    return ext === "csv"
      ? { type: "text/csv", kind: "text" }
      : { type: "text/plain", kind: "text" };
  }
  return { type: "application/octet-stream", kind: "other" };
}

/** UTF-8 without NUL bytes, allowing a multi-byte sequence cut at the end of `head`. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  const check = new TextCheck();
  return check.push(head);
}

/**
 * Checks, chunk by chunk, that a whole file is UTF-8 text without NUL bytes: a file sniffed as
 * text from its head is refused if a later chunk is binary.
 */
export class TextCheck {
  #decoder = new TextDecoder("utf-8", { fatal: true });

  /** Feeds the next chunk; false once the file is not text. */
  push(chunk: Uint8Array): boolean {
    if (chunk.includes(0)) return false;
    try {
      this.#decoder.decode(chunk, { stream: true });
      return true;
    } catch {
      return false;
    }
  }

  /** Ends the file; false when it stops inside a multi-byte sequence. */
  end(): boolean {
    try {
      this.#decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Whether the client says the file is an image: a raster image extension or an `image/*`
 * content type. Such a file must sniff and parse as an image, or it is refused as `bad_image`.
 */
export function claimsImage(name: string, declaredType: string | null): boolean {
  if (IMAGE_EXTENSIONS.has(extensionOf(name))) return true;
  const t = (declaredType ?? "").split(";")[0].trim().toLowerCase();
  return t.startsWith("image/") && t !== "image/svg+xml";
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) =>
  ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];

/** Largest width or height accepted (a header claiming more is not a photo but a trap). */
export const MAX_IMAGE_SIDE = 65_535;

function sized(width: number, height: number): Dimensions | null {
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) return null;
  return { width, height };
}

function pngSize(b: Uint8Array): Dimensions | null {
  // The signature, then the IHDR chunk: length 13, type, width, height.
  if (b.length < 24 || u32be(b, 8) !== 13 || !startsWith(b, ascii("IHDR"), 12)) return null;
  return sized(u32be(b, 16), u32be(b, 20));
}

function gifSize(b: Uint8Array): Dimensions | null {
  return b.length < 10 ? null : sized(u16le(b, 6), u16le(b, 8));
}

function webpSize(b: Uint8Array): Dimensions | null {
  if (b.length < 30) return null;
  if (startsWith(b, ascii("VP8 "), 12)) {
    // A key frame: its start code, then 14-bit width and height.
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) return null;
    return sized(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (startsWith(b, ascii("VP8L"), 12)) {
    if (b[20] !== 0x2f) return null;
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (startsWith(b, ascii("VP8X"), 12)) return sized(u24le(b, 24) + 1, u24le(b, 27) + 1);
  return null;
}

function jpegSize(b: Uint8Array): Dimensions | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length: TEM, RST0-7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end, or scan data before any frame
    const length = u16be(b, i + 2);
    if (length < 2) return null;
    // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return sized(u16be(b, i + 7), u16be(b, i + 5));
    }
    i += 2 + length;
  }
  return null;
}

/**
 * An image's dimensions from its header, or null when it does not parse. `head` must hold the
 * header: the first chunk of an upload (256 KiB) does for every real PNG, GIF and WebP, and for
 * a JPEG whose metadata before its frame header fits in it.
 */
export function imageSize(type: string, head: Uint8Array): Dimensions | null {
  switch (type) {
    case "image/png":
      return pngSize(head);
    case "image/gif":
      return gifSize(head);
    case "image/webp":
      return webpSize(head);
    case "image/jpeg":
      return jpegSize(head);
    default:
      return null;
  }
}
