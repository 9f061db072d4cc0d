/**
 * The loader's own black-or-white pick for text on a `data-color`: the WCAG rule of
 * `protocol/color.ts` (`readableTextColor`, which the server uses for site colours), written
 * compactly because the loader lives within 2 KiB gzipped.
 *
 * One shortcut: the sRGB curve without its linear toe (below 4% of a channel). It moves a
 * luminance by under 0.001, and any pick between luminances 0.175 and 0.183 reaches 4.5:1
 * either way; over all 16.7 million colours the pick reaches at least 4.57:1 (a check over
 * every colour was run once; `contrast_test.ts` keeps a grid of them and the agreement with
 * `readableTextColor` away from the threshold).
 *
 * @module
 */

/**
 * `#000` or `#fff`, whichever contrasts more with `hex` (`#rgb` or `#rrggbb`), or undefined when
 * `hex` is not such a colour (so it doubles as the check that the colour is safe in CSS text).
 * Black wins above a relative luminance of 0.1791, where both contrast ratios are equal.
 */
export function inkFor(hex = ""): "#000" | "#fff" | undefined {
  if (!/^#([\da-f]{3}){1,2}$/i.test(hex)) return;
  // Channels as hex pairs ("f" of #rgb reads as "ff"), then WCAG relative luminance.
  const lum = hex.slice(1).match(hex.length < 5 ? /./g : /../g)!.reduce(
    (sum, h, i) =>
      sum +
      [0.2126, 0.7152, 0.0722][i] * ((parseInt(h.padEnd(2, h), 16) / 255 + 0.055) / 1.055) ** 2.4,
    0,
  );
  return lum > 0.1791 ? "#000" : "#fff";
}
