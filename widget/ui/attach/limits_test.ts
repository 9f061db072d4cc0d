import assert from "node:assert/strict";
import { formatSize, refusal, refusalOf } from "./limits.ts";

const limits = { maxBytes: 1000, types: ["image", "pdf", "text/csv"] };

Deno.test("refusal() refuses a file over maxBytes before its type", () => {
  assert.equal(refusal({ size: 1001, type: "image/png" }, limits), "tooLarge");
  assert.equal(refusal({ size: 1000, type: "image/png" }, limits), null);
});

Deno.test("refusal() accepts a type by kind or by exact MIME type", () => {
  assert.equal(refusal({ size: 10, type: "application/pdf" }, limits), null);
  assert.equal(refusal({ size: 10, type: "text/csv" }, limits), null);
  assert.equal(refusal({ size: 10, type: "text/plain" }, limits), "badType");
  assert.equal(refusal({ size: 10, type: "image/svg+xml" }, limits), "badType");
  assert.equal(refusal({ size: 10, type: "application/x-msdownload" }, limits), "badType");
});

Deno.test("refusal() leaves unknown types and missing limits to the server", () => {
  assert.equal(refusal({ size: 10, type: "" }, limits), null);
  assert.equal(refusal({ size: 1e9, type: "image/png" }, undefined), null);
});

Deno.test("refusalOf() maps 413, 415 and 422 to their reasons, anything else to failed", () => {
  assert.deepEqual([413, 415, 422, 500, 401].map(refusalOf), [
    "tooLarge",
    "badType",
    "badImage",
    "failed",
    "failed",
  ]);
});

Deno.test("formatSize() writes bytes, kB below a megabyte and MB above, in the locale", () => {
  assert.equal(formatSize(512, "en"), "512 bytes");
  assert.equal(formatSize(850_000, "en"), "850 kB");
  assert.equal(formatSize(2_400_000, "en"), "2.4 MB");
  // French puts a narrow no-break space before the unit.
  assert.equal(formatSize(2_400_000, "fr").replace(/\s/g, " "), "2,4 Mo");
});
