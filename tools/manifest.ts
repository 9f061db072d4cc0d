/**
 * The build manifest (`dist/manifest.json`) and size report shared by the widget and console
 * builds.
 *
 * @module
 */

/** One built asset. */
export interface AssetReport {
  /** Logical name, e.g. `widget-loader`, `widget-ui`, `console-js`. */
  name: string;
  /** Path relative to the dist directory, e.g. `widget.js` or `assets/ui-3F2A.js`. */
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Gzipped budget in bytes; the build fails when exceeded. */
  budgetGzip?: number;
}

/** The first 10 hex digits of the SHA-256 of `data`, for content-hashed file names. */
export async function shortHash(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest.slice(0, 5), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Gzipped size of `data` using the platform's CompressionStream. */
export async function gzipSize(data: Uint8Array): Promise<number> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Measures a built file and returns its report row. */
export async function measure(
  outDir: string,
  name: string,
  file: string,
  budgetGzip?: number,
): Promise<AssetReport> {
  const data = await Deno.readFile(`${outDir}/${file}`);
  return { name, file, bytes: data.byteLength, gzipBytes: await gzipSize(data), budgetGzip };
}

/** Writes `manifest.json` mapping logical names to files, with sizes. */
export async function writeManifest(outDir: string, rows: AssetReport[]): Promise<void> {
  const assets = Object.fromEntries(rows.map((r) => [r.name, r]));
  await Deno.writeTextFile(`${outDir}/manifest.json`, JSON.stringify({ assets }, null, 2));
}

/** Prints the size report as a table. */
export function printReport(rows: AssetReport[]): void {
  const kib = (n: number) => `${(n / 1024).toFixed(2)} KiB`;
  console.log("asset               bytes        gzip         budget(gzip)");
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(20)}${kib(r.bytes).padEnd(13)}${kib(r.gzipBytes).padEnd(13)}${
        r.budgetGzip ? kib(r.budgetGzip) : "-"
      }`,
    );
  }
}
