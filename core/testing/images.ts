/**
 * Image bytes for tests: headers that parse as the real formats, without pixel data (the
 * attachment sniffer reads headers only, see `core/attachments/sniff.ts`).
 *
 * @module
 */

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** A PNG of `width` × `height`: signature, IHDR and IEND (CRCs zeroed: nothing checks them). */
export function pngHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    ...u32(13),
    ...[0x49, 0x48, 0x44, 0x52], // IHDR
    ...u32(width),
    ...u32(height),
    ...[8, 6, 0, 0, 0],
    ...u32(0),
    ...u32(0),
    ...[0x49, 0x45, 0x4e, 0x44], // IEND
    ...u32(0),
  ]);
}
