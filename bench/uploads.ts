/**
 * Uploads benchmark (issue 18, docs/bench.md "Uploads"): attachments uploaded at once to a real
 * Parley process on Postgres (ten of 10 MiB by default), with the server's resident memory (VmRSS)
 * and `Deno.memoryUsage()` sampled before, during (their peaks) and after. Uploads are streamed into
 * 256 KiB chunks, so memory must not scale with bytes: the run fails when later rounds peak above
 * the first ({@link MAX_DRIFT}) or when a round of larger uploads peaks above the smaller ones by
 * a share of the extra bytes ({@link MAX_SCALED_SHARE}).
 *
 * ```sh
 * deno run -A bench/uploads.ts                 # Postgres from DATABASE_URL (or the default)
 * deno run -A bench/uploads.ts --backend=pglite
 * deno run -A bench/uploads.ts --uploads=40 --size-mib=10 --rounds=1 --scale=0
 * deno run -A bench/uploads.ts --mode=single   # each file as one request body, to compare
 * ```
 *
 * @module
 */

import { freshDatabase } from "../tests/helpers/database.ts";
import { startParley } from "../tests/helpers/parley_process.ts";
import { pngHeader } from "../core/testing/images.ts";
import { count } from "./args.ts";

/** Uploads at once (`--uploads=N`). */
const UPLOADS = count("uploads", 10);
/** Bytes of each upload (`--size-mib=N`). */
const SIZE = count("size-mib", 10) * 1024 * 1024;
/** Rounds of {@link UPLOADS} uploads of {@link SIZE} (`--rounds=N`). */
const ROUNDS = count("rounds", 3);
/**
 * The last round's uploads are this many times larger (`--scale=K`; 0 or 1: no such round). If the
 * server held uploads, or any share of them, its peak would grow with their size; streaming, the
 * peak is the same whatever the bytes, and this round shows it.
 */
const SCALE = count("scale", 4);
/**
 * How much higher the scaled round's peak may be than the highest peak of the rounds before, as
 * a share of the extra bytes it carries (for 10 × 40 MiB against 10 × 10 MiB: 300 MiB more, so
 * 30 MiB). A server keeping a tenth of what it is sent fails; what GC timing moves the peak by
 * (±20 MiB measured, docs/bench.md) passes. A fixed limit on growth was GC timing's to decide.
 */
const MAX_SCALED_SHARE = 0.1;
/**
 * The most later rounds of the same size may add to the first round's peak: memory must not
 * grow with the bytes that went through before.
 */
const MAX_DRIFT = 25 * 1024 * 1024;
const PIECE = 64 * 1024;

const backend = Deno.args.find((a) => a.startsWith("--backend="))?.slice(10) ?? "postgres";
if (backend !== "postgres" && backend !== "pglite") {
  throw new TypeError("--backend must be postgres or pglite");
}

/** A `size`-byte PNG-headed body, produced 64 KiB at a time (the client holds no whole file). */
function body(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  const noise = crypto.getRandomValues(new Uint8Array(PIECE));
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const piece = noise.slice(0, Math.min(PIECE, size - sent));
      if (sent === 0) piece.set(pngHeader(1920, 1080));
      sent += piece.length;
      c.enqueue(piece);
      if (sent >= size) c.close();
    },
  });
}

/** Opens a visitor socket and returns its token. */
async function visitorToken(wsUrl: string): Promise<string> {
  const ws = new WebSocket(`${wsUrl}/ws/visitor`);
  const token = await new Promise<string>((resolve, reject) => {
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", site: "demo" }));
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data));
      if (frame.type === "welcome") resolve(String(frame.token));
    };
    ws.onerror = () => reject(new Error("visitor socket failed"));
  });
  ws.close();
  return token;
}

/**
 * How files are sent (`--mode=`): `parts` (default), as the widget and console do, in parts of at
 * most 1 MiB (`PUT /api/uploads/:id`); `single`, each file as one request body
 * (`POST /api/widget/attachments`), to compare.
 */
const MODE = Deno.args.find((a) => a.startsWith("--mode="))?.slice(7) ?? "parts";
if (MODE !== "parts" && MODE !== "single") throw new TypeError("--mode must be parts or single");

/** One file in parts, each part made when it is sent (the client never holds the whole file). */
async function uploadInParts(
  url: string,
  token: string,
  n: number,
  size: number,
): Promise<number> {
  const auth = { authorization: `Bearer ${token}` };
  const started = await fetch(`${url}/api/widget/uploads`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ name: `photo-${n}.png`, size }),
  });
  const session = await started.json();
  if (started.status !== 201) throw new Error(`start ${n}: ${JSON.stringify(session)}`);
  const { id, partBytes } = session.upload as { id: string; partBytes: number };
  const noise = crypto.getRandomValues(new Uint8Array(PIECE));
  for (let offset = 0;;) {
    const part = new Uint8Array(Math.min(partBytes, size - offset));
    for (let at = 0; at < part.length; at += PIECE) {
      part.set(noise.subarray(0, Math.min(PIECE, part.length - at)), at);
    }
    if (offset === 0) part.set(pngHeader(1920, 1080));
    const res = await fetch(`${url}/api/uploads/${id}?offset=${offset}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "image/png" },
      body: part,
    });
    const answer = await res.json();
    if (res.status === 201) return Number(answer.attachment.size);
    if (res.status !== 200) throw new Error(`part ${n}: ${res.status} ${JSON.stringify(answer)}`);
    offset = answer.upload.offset;
  }
}

async function upload(url: string, token: string, n: number, size: number): Promise<number> {
  if (MODE === "parts") return await uploadInParts(url, token, n, size);
  const res = await fetch(`${url}/api/widget/attachments`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "image/png",
      "x-parley-filename": `photo-${n}.png`,
    },
    body: body(size),
  });
  const answer = await res.json();
  if (res.status !== 201) throw new Error(`upload ${n}: ${res.status} ${JSON.stringify(answer)}`);
  return Number(answer.attachment.size);
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

/** The server's `Deno.memoryUsage()`, as its `/metrics` reports it. */
interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Reads the process gauges from `GET /metrics` (open: the bench sets no metrics token). */
async function memory(url: string): Promise<Memory> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) => {
    const m = text.match(new RegExp(`^parley_process_${name}_bytes (\\S+)$`, "m"));
    if (!m) throw new Error(`/metrics has no parley_process_${name}_bytes`);
    return Number(m[1]);
  };
  return {
    rss: gauge("resident_memory"),
    heapUsed: gauge("heap_used"),
    external: gauge("external_memory"),
  };
}

/** Peaks of one round: VmRSS sampled every 25 ms, the `/metrics` gauges every 100 ms. */
interface Round {
  uploads: number;
  size: number;
  seconds: number;
  rss: number;
  heapUsed: number;
  external: number;
}

const db = backend === "postgres" ? await freshDatabase() : null;
const dataDir = await Deno.makeTempDir({ prefix: "parley_bench_uploads_" });
/** `--v8-flags=a,b`: V8 flags for the server in place of the default ones (to study the GC). */
const v8Flags = Deno.args.find((a) => a.startsWith("--v8-flags="))?.slice(11).split(",");
const server = await startParley({
  env: {
    ...(db ? { DATABASE_URL: db.url } : { DATA_DIR: dataDir }),
    // The default limit is 10 MiB; the scaled round needs room.
    PARLEY_MAX_UPLOAD_BYTES: String(SIZE * Math.max(SCALE, 1)),
  },
  ...(v8Flags ? { build: { v8Flags } } : {}),
});
try {
  const token = await visitorToken(server.wsUrl);
  // One upload first, so what the first one loads (code, prepared statements) is not counted.
  await upload(server.url, token, 0, SIZE);
  const before = await server.rss();
  const start = await memory(server.url);
  let sent = 0;
  const round = async (size: number): Promise<Round> => {
    const peak: Round = {
      uploads: UPLOADS,
      size,
      seconds: 0,
      rss: before,
      heapUsed: 0,
      external: 0,
    };
    let sampling = true;
    const rss = (async () => {
      while (sampling) {
        peak.rss = Math.max(peak.rss, await server.rss());
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const gauges = (async () => {
      while (sampling) {
        const m = await memory(server.url);
        peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
        peak.external = Math.max(peak.external, m.external);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const started = performance.now();
    const sizes = await Promise.all(
      Array.from({ length: UPLOADS }, () => upload(server.url, token, ++sent, size)),
    );
    peak.seconds = (performance.now() - started) / 1000;
    sampling = false;
    await Promise.all([rss, gauges]);
    if (sizes.some((n) => n !== size)) throw new Error("an upload was stored short");
    return peak;
  };
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(SIZE));
  const scaled = SCALE > 1 ? await round(SIZE * SCALE) : null;
  const after = await memory(server.url);
  const all = scaled ? [...rounds, scaled] : rounds;
  const total = all.reduce((t, r) => t + r.uploads * r.size, 0);
  const seconds = all.reduce((t, r) => t + r.seconds, 0);
  console.log(
    `uploads benchmark (${backend}, ${
      MODE === "parts" ? "in parts" : "one request per file"
    }): ${ROUNDS} rounds of ${UPLOADS} × ${mib(SIZE)} at once` +
      (scaled ? `, then one of ${UPLOADS} × ${mib(scaled.size)}` : ""),
  );
  console.log(
    `  stored        ${mib(total)} in ${seconds.toFixed(1)} s (${mib(total / seconds)}/s)`,
  );
  console.log(
    `  before        VmRSS ${mib(before)} (heapUsed ${mib(start.heapUsed)}, external ${
      mib(start.external)
    })`,
  );
  for (const r of all) {
    console.log(
      `  ${r.uploads} × ${mib(r.size).padEnd(9)} peak VmRSS ${mib(r.rss)} (+${
        mib(r.rss - before)
      }),` +
        ` heapUsed ${mib(r.heapUsed)}, external ${mib(r.external)}`,
    );
  }
  console.log(
    `  after         VmRSS ${mib(after.rss)} (heapUsed ${mib(after.heapUsed)}, external ${
      mib(after.external)
    })`,
  );
  let failed = false;
  if (rounds.length > 0) {
    const first = rounds[0].rss;
    const highest = Math.max(...rounds.map((r) => r.rss));
    const drift = highest - first;
    console.log(
      `  later rounds  ${mib(drift)} above the first round's peak (limit ${mib(MAX_DRIFT)})`,
    );
    if (drift > MAX_DRIFT) failed = true;
    if (scaled) {
      const extra = UPLOADS * (scaled.size - SIZE);
      const limit = MAX_SCALED_SHARE * extra;
      console.log(
        `  scaled round  ${mib(scaled.rss - highest)} above the earlier peak for ${
          mib(extra)
        } more (limit ${mib(limit)})`,
      );
      if (scaled.rss - highest > limit) failed = true;
    }
  }
  if (failed) {
    console.error("FAIL: the server's memory grew with the bytes uploaded");
    Deno.exitCode = 1;
  }
} finally {
  await server.stop();
  await db?.drop();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}
