import assert from "node:assert/strict";
import { noneMatch, preferredCoding } from "./negotiate.ts";

Deno.test("If-None-Match compares weakly, takes lists and *", () => {
  const tag = '"abc"';
  assert.equal(noneMatch(null, tag), false);
  assert.equal(noneMatch('"abc"', tag), true);
  assert.equal(noneMatch('W/"abc"', tag), true);
  assert.equal(noneMatch('"x", W/"abc"', tag), true);
  assert.equal(noneMatch("*", tag), true);
  assert.equal(noneMatch('"abcd"', tag), false);
  assert.equal(noneMatch('"abc"', 'W/"abc"'), true);
});

Deno.test("Accept-Encoding: quality values decide, q=0 refuses, * covers the rest", () => {
  const both = ["br", "gzip"] as const;
  assert.equal(preferredCoding(null, both), null);
  assert.equal(preferredCoding("gzip, deflate, br", both), "br");
  assert.equal(preferredCoding("gzip", both), "gzip");
  assert.equal(preferredCoding("br;q=0, gzip", both), "gzip");
  assert.equal(preferredCoding("br;q=0.5, gzip;q=0.8", both), "gzip");
  assert.equal(preferredCoding("*", both), "br");
  assert.equal(preferredCoding("*;q=0", both), null);
  assert.equal(preferredCoding("identity", both), null);
  assert.equal(preferredCoding("BR", ["gzip"]), null);
});
