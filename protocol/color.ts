/**
 * Colour contrast (WCAG 2.x): which of black or white reads best on a brand colour. One of the
 * two always reaches 4.58:1, above AA's 4.5:1 for normal text. Browser-safe and tiny: the
 * server resolves it for site settings, the console previews with it.
 *
 * @module
 */

/** `#rgb` or `#rrggbb` as `[r, g, b]` (0-255), or null when `value` is not one. */
export function parseHexColor(value: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!m) return null;
  const hex = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG relative luminance of an sRGB colour (0 black to 1 white). */
export function relativeLuminance([r, g, b]: readonly [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two luminances (1 to 21). */
export function contrastRatio(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** `#000000` or `#ffffff`, whichever contrasts more with the hex colour `background`. */
export function readableTextColor(background: string): "#000000" | "#ffffff" {
  const rgb = parseHexColor(background);
  if (!rgb) return "#ffffff";
  const l = relativeLuminance(rgb);
  return contrastRatio(l, 0) > contrastRatio(l, 1) ? "#000000" : "#ffffff";
}
