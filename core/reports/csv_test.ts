import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { csvCell, toCsv } from "./csv.ts";

Deno.test("csvCell() quotes commas, quotes and line breaks, doubling quotes", () => {
  assertEquals(csvCell("plain"), "plain");
  assertEquals(csvCell("a,b"), '"a,b"');
  assertEquals(csvCell('say "hi"'), '"say ""hi"""');
  assertEquals(csvCell("two\nlines"), '"two\nlines"');
  assertEquals(csvCell(null), "");
  assertEquals(csvCell(12.5), "12.5");
});

Deno.test("csvCell() prefixes formula-looking text with a quote, not numbers", () => {
  assertEquals(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assertEquals(csvCell("+1 555"), "'+1 555");
  assertEquals(csvCell("-x"), "'-x");
  assertEquals(csvCell("@sum"), "'@sum");
  assertEquals(csvCell(-3), "-3");
});

Deno.test("toCsv() writes a header and CRLF-terminated rows", () => {
  assertEquals(toCsv(["a", "b"], [[1, "x,y"], [null, "z"]]), 'a,b\r\n1,"x,y"\r\n,z\r\n');
});
