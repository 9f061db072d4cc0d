/**
 * Attachments against a real server on both databases and both file stores, the database and
 * S3 (the test S3 server of `tests/helpers/s3_server.ts`, which checks every signature) (issue
 * 18, docs/attachments.md): uploads by agents and visitors round-trip byte for byte; a message
 * carries them live and in history; a note's never reach the visitor; one visitor cannot read
 * another's (nor with a token in the query string); too large, HTML, SVG and fake images are
 * refused; markup allowed by configuration is served as a sandboxed download; erasure and an
 * aborted upload leave no rows, no chunks and (eventually) no S3 objects. S3 only: an outage
 * fails an upload cleanly with `unavailable` and no row, files stored in the database before S3
 * was configured are still served, and deletions that failed during an outage are retried.
 */

import assert from "node:assert/strict";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import type { TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";
import { pngHeader as png } from "../core/testing/images.ts";
import { type S3TestServer, startS3Server } from "./helpers/s3_server.ts";
import { AttachmentStore } from "../db/sql_attachments.ts";
import { storeUpload } from "../core/attachments/upload.ts";

const enc = new TextEncoder();

/** A PNG header followed by `size` bytes of noise (the sniffer reads the header only). */
function bigPng(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  crypto.getRandomValues(out.subarray(0, 65_536));
  for (let at = 65_536; at < size; at += 65_536) out.copyWithin(at, 0, Math.min(65_536, size - at));
  out.set(png(800, 600));
  return out;
}

async function visitor(t: TestServer): Promise<{ socket: TestSocket; token: string; id: string }> {
  const socket = await t.visitorSocket();
  const welcome = socket.frames.find((f) => f.type === "welcome");
  assert.ok(welcome);
  const v = welcome.visitor as { id: string };
  return { socket, token: String(welcome.token), id: v.id };
}

function upload(
  t: TestServer,
  body: BodyInit,
  opts: { name: string; token?: string; cookie?: string; conversationId?: string; type?: string },
): Promise<Response> {
  const path = opts.conversationId
    ? `/api/conversations/${opts.conversationId}/attachments`
    : "/api/widget/attachments";
  return fetch(`${t.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": opts.type ?? "application/octet-stream",
      "x-parley-filename": encodeURIComponent(opts.name),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.cookie ? { cookie: opts.cookie, "x-parley-csrf": "1" } : {}),
    },
    body,
  });
}

async function uploaded(res: Response): Promise<{ id: string; [k: string]: unknown }> {
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).attachment;
}

async function errorCode(res: Response): Promise<string> {
  const body = await res.json();
  return body.error.code;
}

function download(t: TestServer, id: string, auth: { token?: string; cookie?: string }) {
  return fetch(`${t.url}/api/attachments/${id}`, {
    headers: {
      ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
      ...(auth.cookie ? { cookie: auth.cookie } : {}),
    },
  });
}

/** Writes all of `data` (one `write` may take only part of it). */
async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<true> {
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
  return true;
}

/**
 * Uploads an endless PNG over raw HTTP/1.1 (with a `Content-Length` or chunked) until the server
 * answers: `fetch` would wait for the whole body before reading the answer. Returns the status
 * and how many body bytes the client managed to write.
 */
async function rawUpload(
  t: TestServer,
  token: string,
  opts: { declaredLength: number | null },
): Promise<{ status: number; written: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  const head = [
    "POST /api/widget/attachments HTTP/1.1",
    `host: 127.0.0.1:${t.port}`,
    `authorization: Bearer ${token}`,
    "x-parley-filename: endless.png",
    opts.declaredLength === null
      ? "transfer-encoding: chunked"
      : `content-length: ${opts.declaredLength}`,
    "",
    "",
  ].join("\r\n");
  let status: number | null = null;
  const answered = (async () => {
    const buf = new Uint8Array(4096);
    let text = "";
    while (status === null) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) status = Number(m[1]);
    }
  })();
  let written = 0;
  try {
    await writeAll(conn, enc.encode(head));
    const piece = bigPng(64 * 1024);
    const framed = opts.declaredLength === null
      ? new Uint8Array([...enc.encode("10000\r\n"), ...piece, ...enc.encode("\r\n")])
      : piece;
    const deadline = Date.now() + 30_000;
    while (status === null && written < 200 * 1024 * 1024 && Date.now() < deadline) {
      // A server that answered and stopped reading leaves the write pending: the answer wins.
      const wrote = await Promise.race([writeAll(conn, framed), answered.then(() => null)]);
      if (wrote === null) break;
      written += piece.length;
    }
  } catch {
    // The server closed the connection after answering: the write failing is the point.
  }
  await answered;
  conn.close();
  return { status: status ?? 0, written };
}

async function rows(t: TestServer, sql: string, params: unknown[]): Promise<number> {
  const r = await t.store.db.query(sql, params);
  return Number(r[0].n);
}

/**
 * Stored chunks, rows of `attachment_chunks` or objects in the bucket: of every attachment, of
 * pending uploads only, or of no attachment row at all (S3 objects the queue has yet to delete;
 * always 0 in the database, where chunks go with their row).
 */
async function chunks(
  t: TestServer,
  s3: S3TestServer | null,
  which: "all" | "pending" | "orphaned" = "all",
): Promise<number> {
  if (!s3) {
    if (which === "orphaned") return 0;
    return await rows(
      t,
      "SELECT count(*)::int AS n FROM attachment_chunks c JOIN attachments a " +
        "ON a.id = c.attachment_id WHERE $1::boolean = false OR a.state = 'pending'",
      [which === "pending"],
    );
  }
  const keys = s3.keys("attachments/");
  if (which === "all") return keys.length;
  const found = await t.store.db.query("SELECT id, state FROM attachments", []);
  const state = new Map(found.map((r) => [String(r.id), String(r.state)]));
  return keys.filter((k) => {
    const s = state.get(k.split("/")[1]);
    return which === "pending" ? s === "pending" : s === undefined;
  }).length;
}

const BACKENDS = [
  { db: "pglite", files: "db" },
  { db: "postgres", files: "db" },
  { db: "pglite", files: "s3" },
  { db: "postgres", files: "s3" },
] as const;

for (const { db: backend, files } of BACKENDS) {
  Deno.test(`attachments on ${backend}, files in ${files === "db" ? "the database" : "S3"}`, async (ctx) => {
    await using s3 = files === "s3" ? await startS3Server() : null;
    await using t = await startTestServer({
      backend,
      env: s3 ? { PARLEY_S3_URL: s3.url } : {},
    });
    const cookie = await t.login(ADMIN.email, ADMIN.password);
    const agent = await t.agentSocket(cookie);
    const a = await visitor(t);
    const image = bigPng(700_000); // three chunks
    let imageId = "";
    let conversationId = "";

    await ctx.step("a visitor's upload round-trips, sent with an empty body", async () => {
      const att = await uploaded(await upload(t, image, { name: "photo.png", token: a.token }));
      assert.deepEqual(
        { type: att.type, size: att.size, width: att.width, height: att.height, name: att.name },
        { type: "image/png", size: image.length, width: 800, height: 600, name: "photo.png" },
      );
      imageId = att.id;
      // Their own unsent upload is theirs to read.
      const own = await download(t, imageId, { token: a.token });
      assert.equal(own.status, 200);
      assert.deepEqual(new Uint8Array(await own.arrayBuffer()), image);
      // Stored where configured, in three chunks.
      if (s3) assert.equal(s3.keys(`attachments/${imageId}/`).length, 3);
      else assert.equal(await chunks(t, null), 3);

      a.socket.send({ type: "message", clientId: "m-1", body: "", attachments: [imageId] });
      const ack = await a.socket.nextOf("ack");
      conversationId = String(ack.conversationId);
      const live = await agent.next((f) =>
        f.type === "message" && (f.message as { clientId: string }).clientId === "m-1"
      );
      const message = live.message as { attachments: { id: string; width: number }[] };
      assert.equal(message.attachments[0].id, imageId);
      assert.equal(message.attachments[0].width, 800);
      // A resend of the same client id is the same message, not a second one.
      a.socket.send({ type: "message", clientId: "m-1", body: "", attachments: [imageId] });
      const again = await a.socket.nextOf("ack");
      assert.equal(again.messageId, ack.messageId);
    });

    await ctx.step(
      "downloads carry the sniffed type, disposition, nosniff and a sandbox",
      async () => {
        const res = await download(t, imageId, { cookie });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "image/png");
        assert.equal(res.headers.get("content-length"), String(image.length));
        assert.match(
          res.headers.get("content-disposition") ?? "",
          /^inline; .*filename\*=UTF-8''photo\.png/,
        );
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
        assert.equal(res.headers.get("content-security-policy"), "default-src 'none'; sandbox");
        assert.match(res.headers.get("cache-control") ?? "", /^private/);
        const etag = res.headers.get("etag");
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), image);
        const cached = await fetch(`${t.url}/api/attachments/${imageId}`, {
          headers: { cookie, "if-none-match": etag ?? "" },
        });
        await cached.body?.cancel();
        assert.equal(cached.status, 304);
      },
    );

    await ctx.step("history carries the attachments", async () => {
      const history = await t.store.listMessages(conversationId, { includeNotes: true });
      assert.equal(history.messages[0].attachments?.[0].id, imageId);
      a.socket.send({ type: "sync", afterSeq: 0 });
      const synced = await a.socket.nextOf("history");
      const first = (synced.messages as { attachments?: { id: string }[] }[])[0];
      assert.equal(first.attachments?.[0].id, imageId);
    });

    await ctx.step(
      "another visitor gets 404, and a token in the query string is ignored",
      async () => {
        const b = await visitor(t);
        const res = await download(t, imageId, { token: b.token });
        assert.equal(res.status, 404);
        await res.body?.cancel();
        const query = await fetch(`${t.url}/api/attachments/${imageId}?token=${a.token}`);
        assert.equal(query.status, 401);
        await query.body?.cancel();
        // B cannot send A's file either.
        b.socket.send({ type: "message", clientId: "b-1", body: "mine?", attachments: [imageId] });
        const refused = await b.socket.nextOf("error");
        assert.equal(refused.code, "bad_attachment");
        assert.equal(refused.clientId, "b-1");
        b.socket.close();
      },
    );

    await ctx.step(
      "an agent's note attachment never reaches the visitor; a reply's does",
      async () => {
        const pdf = enc.encode("%PDF-1.4\n% a tiny pdf\n");
        const note = await uploaded(
          await upload(t, pdf, { name: "internal.pdf", cookie, conversationId }),
        );
        assert.equal(note.type, "application/pdf");
        agent.send({
          type: "message",
          conversationId,
          clientId: "n-1",
          body: "internal",
          note: true,
          attachments: [note.id],
        });
        await agent.next((f) => f.type === "ack" && f.clientId === "n-1");
        const hidden = await download(t, note.id, { token: a.token });
        assert.equal(hidden.status, 404);
        await hidden.body?.cancel();

        const text = enc.encode("order,qty\n42,1\n");
        const reply = await uploaded(
          await upload(t, text, { name: "order.csv", cookie, conversationId }),
        );
        // Not sent yet: the visitor cannot read it.
        const early = await download(t, reply.id, { token: a.token });
        assert.equal(early.status, 404);
        await early.body?.cancel();
        agent.send({
          type: "message",
          conversationId,
          clientId: "r-1",
          body: "here",
          attachments: [reply.id],
        });
        const got = await a.socket.next((f) =>
          f.type === "message" && (f.message as { clientId: string }).clientId === "r-1"
        );
        assert.equal(
          (got.message as { attachments: { id: string }[] }).attachments[0].id,
          reply.id,
        );
        assert.ok(
          !a.socket.frames.some((f) =>
            f.type === "message" && (f.message as { clientId: string }).clientId === "n-1"
          ),
        );
        const res = await download(t, reply.id, { token: a.token });
        assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
        assert.match(res.headers.get("content-disposition") ?? "", /^attachment;/);
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), text);
      },
    );

    await ctx.step(
      "too large: 413 from Content-Length, and mid-stream without reading on",
      async () => {
        const declared = await rawUpload(t, a.token, { declaredLength: 11 * 1024 * 1024 });
        assert.equal(declared.status, 413);
        // What the client wrote before the answer sits in socket buffers (a few MiB on loopback).
        assert.ok(declared.written < 8 * 1024 * 1024, `the client wrote ${declared.written} bytes`);
        // No length (chunked): the server stops at the limit, answers and closes; the client,
        // which would send 200 MiB, is cut off. What it wrote past the 10 MiB limit is in socket
        // buffers and the HTTP layer's read-ahead (tens of MiB under load; docs/bench.md).
        const streamed = await rawUpload(t, a.token, { declaredLength: null });
        assert.equal(streamed.status, 413);
        assert.ok(
          streamed.written < 100 * 1024 * 1024,
          `the client wrote ${streamed.written} bytes`,
        );
        await waitUntil(
          async () =>
            await rows(
              t,
              "SELECT count(*)::int AS n FROM attachments WHERE state = 'pending'",
              [],
            ) ===
              0,
          "the refused uploads' rows are deleted",
        );
        await waitUntil(
          async () => await chunks(t, s3, "orphaned") === 0,
          "the refused uploads' chunks are deleted",
        );
      },
    );

    await ctx.step("HTML and SVG are refused 415, a fake or broken image 422", async () => {
      const html = await upload(t, "<!doctype html><script>alert(1)</script>", {
        name: "page.txt",
        token: a.token,
      });
      assert.equal(html.status, 415);
      assert.equal(await errorCode(html), "type_not_allowed");
      const svg = await upload(t, '<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', {
        name: "logo.svg",
        token: a.token,
        type: "image/svg+xml",
      });
      assert.equal(svg.status, 415);
      await svg.body?.cancel();
      const fake = await upload(t, "just some text", { name: "cat.png", token: a.token });
      assert.equal(fake.status, 422);
      assert.equal(await errorCode(fake), "bad_image");
      const broken = await upload(t, png(10, 10).subarray(0, 18), {
        name: "x.bin",
        token: a.token,
      });
      assert.equal(broken.status, 422);
      await broken.body?.cancel();
    });

    await ctx.step("an aborted upload leaves nothing", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
      const head = [
        "POST /api/widget/attachments HTTP/1.1",
        `host: 127.0.0.1:${t.port}`,
        `authorization: Bearer ${a.token}`,
        "x-parley-filename: cut.png",
        `content-length: ${image.length}`,
        "",
        "",
      ].join("\r\n");
      await writeAll(conn, enc.encode(head));
      await writeAll(conn, image.subarray(0, 600_000));
      await waitUntil(
        async () => await chunks(t, s3, "pending") > 0,
        "a chunk is stored",
      );
      // The client goes away mid-upload.
      conn.close();
      await waitUntil(
        async () =>
          await rows(
            t,
            "SELECT count(*)::int AS n FROM attachments WHERE state = 'pending'",
            [],
          ) ===
            0,
        "the aborted upload's row is deleted",
      );
      // In S3 its objects go too, though the count was never known: the prefix is listed.
      await waitUntil(async () => await chunks(t, s3, "orphaned") === 0, "its chunks are deleted");
    });

    await ctx.step("erasing the visitor deletes their attachments and chunks", async () => {
      const unsent = await uploaded(await upload(t, png(1, 1), { name: "p.png", token: a.token }));
      const before = await rows(
        t,
        "SELECT count(*)::int AS n FROM attachments WHERE id = ANY ($1::text[])",
        [[imageId, unsent.id]],
      );
      assert.equal(before, 2);
      const res = await fetch(`${t.url}/api/visitors/${a.id}`, {
        method: "DELETE",
        headers: { cookie, "x-parley-csrf": "1" },
      });
      assert.equal(res.status, 204);
      assert.equal(await rows(t, "SELECT count(*)::int AS n FROM attachments", []), 0);
      assert.equal(await rows(t, "SELECT count(*)::int AS n FROM attachment_chunks", []), 0);
      // S3 objects are deleted by the queue's runner, just after the commit.
      await waitUntil(async () => await chunks(t, s3) === 0, "every stored chunk is deleted");
      await waitUntil(
        async () => await rows(t, "SELECT count(*)::int AS n FROM s3_deletions", []) === 0,
        "the deletion queue is empty",
      );
      if (s3) assert.equal(s3.badSignatures, 0);
    });

    a.socket.close();
    agent.close();
  });
}

Deno.test("markup allowed by configuration is served as a sandboxed download", async () => {
  await using t = await startTestServer({ env: { PARLEY_UPLOAD_TYPES: "image,html,svg" } });
  const socket = await t.visitorSocket();
  const token = String(socket.frames.find((f) => f.type === "welcome")?.token);
  const page = "<!doctype html><script>parent.pwned = true</script>";
  const att = await uploaded(await upload(t, page, { name: "page.html", token }));
  assert.equal(att.type, "text/html");
  const res = await download(t, att.id, { token });
  assert.equal(res.headers.get("content-type"), "application/octet-stream");
  assert.match(res.headers.get("content-disposition") ?? "", /^attachment;/);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("content-security-policy"), "default-src 'none'; sandbox");
  assert.equal(await res.text(), page);
  const svg = await uploaded(await upload(t, "<svg><script/></svg>", { name: "a.svg", token }));
  const served = await download(t, svg.id, { token });
  assert.equal(served.headers.get("content-type"), "application/octet-stream");
  await served.body?.cancel();
  // Not on the list: still refused.
  const pdf = await upload(t, "%PDF-1.4\n", { name: "a.pdf", token });
  assert.equal(pdf.status, 415);
  await pdf.body?.cancel();
  socket.close();
});

Deno.test("S3: an outage fails uploads and downloads with unavailable, and deletions wait for it to end", async (ctx) => {
  await using s3 = await startS3Server();
  await using t = await startTestServer({ env: { PARLEY_S3_URL: s3.url } });
  const cookie = await t.login(ADMIN.email, ADMIN.password);
  const a = await visitor(t);
  const attachmentRows = () => rows(t, "SELECT count(*)::int AS n FROM attachments", []);

  await ctx.step("an upload during an outage is a 503 unavailable and leaves no row", async () => {
    s3.down = true;
    const res = await upload(t, bigPng(400_000), { name: "down.png", token: a.token });
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error.code, "unavailable");
    assert.equal(body.error.message, "The file store is unavailable; try again later");
    assert.equal(res.headers.get("connection"), "close");
    await waitUntil(async () => await attachmentRows() === 0, "the failed upload's row is gone");
    s3.down = false;
  });

  let id = "";
  await ctx.step(
    "once it is back, uploads work again; a download during an outage is a 503",
    async () => {
      const att = await uploaded(
        await upload(t, bigPng(300_000), { name: "up.png", token: a.token }),
      );
      id = att.id;
      assert.equal(s3.keys(`attachments/${id}/`).length, 2);
      s3.down = true;
      const res = await download(t, id, { cookie });
      assert.equal(res.status, 503);
      assert.equal(await errorCode(res), "unavailable");
    },
  );

  await ctx.step("an erasure during the outage deletes the objects once S3 is back", async () => {
    const res = await fetch(`${t.url}/api/visitors/${a.id}`, {
      method: "DELETE",
      headers: { cookie, "x-parley-csrf": "1" },
    });
    assert.equal(res.status, 204);
    assert.equal(await attachmentRows(), 0);
    // Queued (2 chunks), tried, failed and kept, with why.
    await waitUntil(
      async () =>
        (await t.store.db.query(
          "SELECT 1 FROM s3_deletions WHERE attachment_id = $1 AND chunks = 2 AND attempts >= 1 " +
            "AND last_error LIKE '%503 ServiceUnavailable%'",
          [id],
        )).length === 1,
      "the failed deletion is kept for a retry",
    );
    assert.equal(s3.keys(`attachments/${id}/`).length, 2);
    s3.down = false;
    await waitUntil(() => s3.keys("attachments/").length === 0, "the objects are deleted");
    await waitUntil(
      async () => await rows(t, "SELECT count(*)::int AS n FROM s3_deletions", []) === 0,
      "the queue row is removed",
    );
  });
  a.socket.close();
});

Deno.test("S3: files stored in the database before S3 was configured are still served", async () => {
  await using s3 = await startS3Server();
  await using t = await startTestServer({ env: { PARLEY_S3_URL: s3.url } });
  const cookie = await t.login(ADMIN.email, ADMIN.password);
  const a = await visitor(t);
  // Written as a server without PARLEY_S3_URL writes it: through the database's blob store.
  const image = bigPng(600_000);
  const before = await storeUpload(
    new AttachmentStore(t.store.db),
    { maxBytes: 10 * 1024 * 1024, allowed: ["image"] },
    "demo",
    { kind: "visitor", visitorId: a.id },
    {
      name: "old.png",
      declaredType: "image/png",
      declaredLength: image.length,
      body: new Blob([image]).stream(),
    },
  );
  assert.equal(before.backend, "db");
  assert.equal(s3.objects.size, 0);
  const now = await uploaded(await upload(t, image, { name: "new.png", token: a.token }));
  assert.equal(s3.keys(`attachments/${now.id}/`).length, 3);
  for (const id of [before.id, now.id]) {
    const res = await download(t, id, { cookie });
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), image);
    const own = await download(t, id, { token: a.token });
    assert.deepEqual(new Uint8Array(await own.arrayBuffer()), image);
  }
  // Erasure deletes both: the database's chunks by cascade, the S3 objects by the queue.
  const res = await fetch(`${t.url}/api/visitors/${a.id}`, {
    method: "DELETE",
    headers: { cookie, "x-parley-csrf": "1" },
  });
  assert.equal(res.status, 204);
  assert.equal(await rows(t, "SELECT count(*)::int AS n FROM attachment_chunks", []), 0);
  await waitUntil(() => s3.objects.size === 0, "the S3 objects are deleted");
  a.socket.close();
});
