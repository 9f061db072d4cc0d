import assert from "node:assert/strict";
import {
  contrastRatio,
  parseHexColor,
  readableTextColor,
  relativeLuminance,
} from "../protocol/color.ts";
import { inkFor } from "./contrast.ts";

const hex = (n: number) => n.toString(16).padStart(2, "0");

Deno.test("inkFor() reaches 4.5:1 on a fine grid of colours and agrees with readableTextColor()", () => {
  let checked = 0;
  for (let r = 0; r < 256; r += 5) {
    for (let g = 0; g < 256; g += 5) {
      for (let b = 0; b < 256; b += 5) {
        const color = `#${hex(r)}${hex(g)}${hex(b)}`;
        const lum = relativeLuminance(parseHexColor(color)!);
        const ink = inkFor(color);
        const ratio = contrastRatio(lum, ink === "#000" ? 0 : 1);
        assert.ok(ratio >= 4.5, `${color}: ${ratio}`);
        // Away from the threshold, the same pick as the exact rule.
        if (Math.abs(lum - 0.1791) > 0.001) {
          assert.equal(ink, readableTextColor(color) === "#000000" ? "#000" : "#fff", color);
        }
        checked++;
      }
    }
  }
  assert.equal(checked, 52 ** 3);
});

Deno.test("inkFor() reads #rgb shorthand and picks black on the light brand colours", () => {
  assert.equal(inkFor("#ffd43b"), "#000");
  assert.equal(inkFor("#FFF"), "#000");
  assert.equal(inkFor("#000"), "#fff");
  assert.equal(inkFor("#3b4fd8"), "#fff");
});

Deno.test("inkFor() refuses anything but hex, so nothing else reaches CSS text", () => {
  for (const bad of [undefined, "", "red", "#ffd43", "#ffd43b;}", "rgb(0,0,0)", "#12345g"]) {
    assert.equal(inkFor(bad), undefined, String(bad));
  }
});
