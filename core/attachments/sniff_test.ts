import assert from "node:assert/strict";
import { claimsImage, imageSize, sniff, TextCheck } from "./sniff.ts";
import { pngHeader } from "../testing/images.ts";
import { contentDisposition, fileName, parseUploadTypes, servedType } from "./policy.ts";

const enc = new TextEncoder();

function bytes(...parts: (number[] | string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === "string" ? enc.encode(p) : p instanceof Uint8Array ? p : new Uint8Array(p)
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

const png = pngHeader;

Deno.test("sniff() finds png, jpeg, gif, webp and pdf by their magic bytes", () => {
  assert.equal(sniff(png(3, 2), "x.bin").type, "image/png");
  assert.equal(sniff(bytes([0xff, 0xd8, 0xff, 0xe0]), "a").type, "image/jpeg");
  assert.equal(sniff(bytes("GIF89a", [1, 0, 1, 0]), "a").type, "image/gif");
  assert.equal(sniff(bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "), "a").type, "image/webp");
  assert.deepEqual(sniff(bytes("%PDF-1.7\n"), "a.txt"), { type: "application/pdf", kind: "pdf" });
});

Deno.test("sniff() names zip and OLE2 office files by extension, else not office", () => {
  const zip = bytes([0x50, 0x4b, 0x03, 0x04], "rest");
  assert.equal(sniff(zip, "Report.DOCX").kind, "office");
  assert.match(sniff(zip, "b.xlsx").type, /spreadsheetml/);
  assert.deepEqual(sniff(zip, "c.zip"), { type: "application/zip", kind: "zip" });
  const ole = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  assert.deepEqual(sniff(ole, "old.xls"), { type: "application/vnd.ms-excel", kind: "office" });
  assert.equal(sniff(ole, "old.bin").kind, "other");
});

Deno.test("sniff() takes HTML, SVG and XML for markup whatever the name", () => {
  assert.equal(sniff(bytes("\ufeff  <!DOCTYPE html><p>hi"), "notes.txt").kind, "html");
  assert.equal(sniff(bytes("<script>alert(1)</script>"), "a.csv").kind, "html");
  assert.equal(sniff(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), "a.png").kind, "svg");
  assert.equal(sniff(bytes('<?xml version="1.0"?><svg/>'), "a").kind, "svg");
  assert.equal(sniff(bytes('<?xml version="1.0"?><x/>'), "a").kind, "xml");
});

Deno.test("sniff() takes UTF-8 without NUL for text, csv by extension, else other", () => {
  assert.deepEqual(sniff(bytes("héllo, wörld\n"), "a.txt"), { type: "text/plain", kind: "text" });
  assert.equal(sniff(bytes("a,b\n1,2\n"), "data.csv").type, "text/csv");
  assert.equal(sniff(bytes("abc", [0], "def"), "a.txt").kind, "other");
  assert.equal(sniff(bytes([0xc3, 0x28]), "a.txt").kind, "other");
  assert.equal(sniff(new Uint8Array(), "a.txt").kind, "other");
});

Deno.test("TextCheck refuses a later chunk that is not UTF-8 and a cut sequence at the end", () => {
  const ok = new TextCheck();
  assert.ok(ok.push(bytes("caf", [0xc3])));
  assert.ok(ok.push(bytes([0xa9])));
  assert.ok(ok.end());
  const binary = new TextCheck();
  assert.ok(binary.push(bytes("text")));
  assert.equal(binary.push(bytes([0xff, 0xfe])), false);
  const cut = new TextCheck();
  assert.ok(cut.push(bytes([0xe2, 0x82])));
  assert.equal(cut.end(), false);
});

Deno.test("imageSize() reads PNG IHDR, GIF, JPEG SOFn and the three WebP headers", () => {
  assert.deepEqual(imageSize("image/png", png(640, 480)), { width: 640, height: 480 });
  assert.deepEqual(imageSize("image/gif", bytes("GIF89a", [0x20, 0x01, 0x10, 0x00])), {
    width: 288,
    height: 16,
  });
  const jpeg = bytes(
    [0xff, 0xd8],
    [0xff, 0xe0, 0x00, 0x04, 0x00, 0x00], // APP0, 2 bytes of payload
    [0xff, 0xc2, 0x00, 0x0b, 0x08, 0x01, 0x2c, 0x02, 0x58, 0x01, 0x01, 0x11, 0x00],
  );
  assert.deepEqual(imageSize("image/jpeg", jpeg), { width: 600, height: 300 });
  const riff = (chunk: string, body: number[]) =>
    bytes("RIFF", [0, 0, 0, 0], "WEBP", chunk, [0, 0, 0, 0], body, new Uint8Array(16));
  assert.deepEqual(
    imageSize("image/webp", riff("VP8 ", [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00])),
    { width: 320, height: 240 },
  );
  // VP8L: 0x2f, then width-1 (14 bits) and height-1 (14 bits), little-endian.
  const wh = (100 - 1) | ((50 - 1) << 14);
  assert.deepEqual(
    imageSize("image/webp", riff("VP8L", [0x2f, wh & 255, (wh >> 8) & 255, (wh >> 16) & 255, 0])),
    { width: 100, height: 50 },
  );
  assert.deepEqual(
    imageSize("image/webp", riff("VP8X", [0, 0, 0, 0, 0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00])),
    { width: 640, height: 480 },
  );
});

Deno.test("imageSize() refuses a truncated header, zero sides and a JPEG without a frame", () => {
  assert.equal(imageSize("image/png", png(1, 1).subarray(0, 20)), null);
  assert.equal(imageSize("image/png", png(0, 10)), null);
  assert.equal(imageSize("image/jpeg", bytes([0xff, 0xd8, 0xff, 0xd9], new Uint8Array(20))), null);
  assert.equal(imageSize("image/gif", bytes("GIF89a")), null);
});

Deno.test("claimsImage() trusts neither: an image extension or image/* makes the claim", () => {
  assert.ok(claimsImage("photo.JPG", null));
  assert.ok(claimsImage("photo", "image/png"));
  assert.equal(claimsImage("drawing.svg", "image/svg+xml"), false);
  assert.equal(claimsImage("notes.txt", "text/plain"), false);
});

Deno.test("servedType() serves markup and unknown types as a byte stream", () => {
  assert.equal(servedType("text/html"), "application/octet-stream");
  assert.equal(servedType("image/svg+xml"), "application/octet-stream");
  assert.equal(servedType("image/png"), "image/png");
  assert.equal(servedType("text/plain"), "text/plain; charset=utf-8");
});

Deno.test("contentDisposition() is inline for raster images only, with an RFC 6266 name", () => {
  assert.equal(
    contentDisposition("image/png", "ça va.png"),
    `inline; filename="_a va.png"; filename*=UTF-8''%C3%A7a%20va.png`,
  );
  assert.match(contentDisposition("application/pdf", 'a"b.pdf'), /^attachment; filename="a_b.pdf"/);
});

Deno.test("fileName() keeps the last path segment, drops controls, cuts keeping the extension", () => {
  assert.equal(fileName(encodeURIComponent("../../etc/pass\u0000wd.txt")), "passwd.txt");
  assert.equal(fileName(null), "file");
  assert.equal(fileName("%E0%A4%A"), null);
  const long = fileName(encodeURIComponent("x".repeat(400) + ".pdf"));
  assert.equal(long?.length, 255);
  assert.ok(long?.endsWith(".pdf"));
});

Deno.test("parseUploadTypes() accepts kinds and MIME types and names unknown entries", () => {
  assert.deepEqual(parseUploadTypes("image, PDF ,text/csv"), {
    ok: true,
    list: ["image", "pdf", "text/csv"],
  });
  const bad = parseUploadTypes("image,exe");
  assert.equal(bad.ok, false);
});
