/**
 * Uploads in parts against a real server (issue 18, docs/attachments.md "Uploads in parts"), on
 * both databases and on S3: a file sent in 1 MiB parts round-trips byte for byte; a part cut off
 * keeps its whole chunks and the upload resumes from the offset the server reports; a wrong offset
 * is a conflict; text stays checked across parts (a character split between parts is fine, a NUL
 * later on is not text); a fake image and a file past the limit are refused and deleted; nobody but
 * the uploader can see, continue or cancel an upload; a lost last answer is answered again; files
 * taken back or never sent are deleted.
 */

import assert from "node:assert/strict";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { waitUntil } from "./helpers/wait.ts";
import { pngHeader } from "../core/testing/images.ts";
import { startS3Server } from "./helpers/s3_server.ts";
import { AttachmentStore, CHUNK_BYTES } from "../db/sql_attachments.ts";
import { PART_BYTES } from "../core/attachments/parts.ts";

const MAX_BYTES = 3 * 1024 * 1024;

/** A PNG header followed by `size - header` bytes of noise. */
function png(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) {
    crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65_536)));
  }
  out.set(pngHeader(640, 480));
  return out;
}

type Auth = { token: string } | { cookie: string };

function headers(auth: Auth, extra: Record<string, string> = {}): Record<string, string> {
  return "token" in auth
    ? { authorization: `Bearer ${auth.token}`, ...extra }
    : { cookie: auth.cookie, "x-parley-csrf": "1", ...extra };
}

interface Session {
  id: string;
  size: number;
  offset: number;
  partBytes: number;
}

async function start(
  t: TestServer,
  auth: Auth,
  file: { name: string; size: number },
  conversationId?: string,
): Promise<Response> {
  const path = conversationId
    ? `/api/conversations/${conversationId}/uploads`
    : "/api/widget/uploads";
  return await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: headers(auth, { "content-type": "application/json" }),
    body: JSON.stringify(file),
  });
}

async function started(res: Response): Promise<Session> {
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).upload;
}

function part(
  t: TestServer,
  auth: Auth,
  id: string,
  offset: number,
  body: Uint8Array<ArrayBuffer>,
  type = "application/octet-stream",
): Promise<Response> {
  return fetch(`${t.url}/api/uploads/${id}?offset=${offset}`, {
    method: "PUT",
    headers: headers(auth, { "content-type": type }),
    body,
  });
}

async function status(t: TestServer, auth: Auth, id: string): Promise<Response> {
  return await fetch(`${t.url}/api/uploads/${id}`, { headers: headers(auth) });
}

async function json(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: await res.json() };
}

/** Sends `bytes` from where the upload stands to its end; returns the last answer. */
async function sendRest(
  t: TestServer,
  auth: Auth,
  s: Session,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let offset = s.offset;
  for (;;) {
    const res = await json(
      await part(t, auth, s.id, offset, bytes.slice(offset, offset + s.partBytes)),
    );
    if (res.status !== 200) return res;
    offset = (res.body.upload as Session).offset;
  }
}

async function download(t: TestServer, id: string, auth: Auth): Promise<Uint8Array> {
  const res = await fetch(`${t.url}/api/attachments/${id}`, {
    headers: "token" in auth ? { authorization: `Bearer ${auth.token}` } : { cookie: auth.cookie },
  });
  assert.equal(res.status, 200);
  return new Uint8Array(await res.arrayBuffer());
}

async function visitorToken(t: TestServer): Promise<string> {
  const socket = await t.visitorSocket();
  const welcome = socket.frames.find((f) => f.type === "welcome");
  assert.ok(welcome);
  return String(welcome.token);
}

/** Sends a PUT whose body stops after `send` of the `declared` bytes it announced. */
async function cutOffPart(
  t: TestServer,
  token: string,
  id: string,
  offset: number,
  bytes: Uint8Array,
  send: number,
): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  const head = [
    `PUT /api/uploads/${id}?offset=${offset} HTTP/1.1`,
    `host: 127.0.0.1:${t.port}`,
    `authorization: Bearer ${token}`,
    "content-type: application/octet-stream",
    `content-length: ${bytes.length}`,
    "",
    "",
  ].join("\r\n");
  const data = new Uint8Array([...new TextEncoder().encode(head), ...bytes.subarray(0, send)]);
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
  conn.close();
}

const BACKENDS = [
  { db: "pglite", files: "db" },
  { db: "postgres", files: "db" },
  { db: "postgres", files: "s3" },
] as const;

for (const { db, files } of BACKENDS) {
  Deno.test(`uploads in parts on ${db}, files in ${files}`, async (ctx) => {
    await using s3 = files === "s3" ? await startS3Server() : null;
    await using t = await startTestServer({
      backend: db,
      env: {
        PARLEY_MAX_UPLOAD_BYTES: String(MAX_BYTES),
        ...(s3 ? { PARLEY_S3_URL: s3.url } : {}),
      },
    });
    const visitor = { token: await visitorToken(t) };
    const other = { token: await visitorToken(t) };
    const cookie = await t.login(ADMIN.email, ADMIN.password);
    const agent = { cookie };
    const image = png(2 * PART_BYTES + 123_457);

    await ctx.step("a file in 1 MiB parts round-trips; a wrong offset is a conflict", async () => {
      const s = await started(await start(t, visitor, { name: "parcel.png", size: image.length }));
      assert.deepEqual({ offset: s.offset, size: s.size, partBytes: s.partBytes }, {
        offset: 0,
        size: image.length,
        partBytes: 1024 * 1024,
      });
      const first = await json(await part(t, visitor, s.id, 0, image.slice(0, PART_BYTES)));
      assert.equal(first.status, 200);
      assert.equal((first.body.upload as Session).offset, PART_BYTES);
      const again = await json(await part(t, visitor, s.id, 0, image.slice(0, PART_BYTES)));
      assert.equal(again.status, 409);
      assert.equal((again.body.error as { code: string }).code, "conflict");
      const where = await json(await status(t, visitor, s.id));
      assert.equal((where.body.upload as Session).offset, PART_BYTES);
      const last = await sendRest(t, visitor, where.body.upload as Session, image);
      assert.equal(last.status, 201);
      const att = last.body.attachment as Record<string, unknown>;
      assert.deepEqual(
        { name: att.name, type: att.type, size: att.size, width: att.width, height: att.height },
        { name: "parcel.png", type: "image/png", size: image.length, width: 640, height: 480 },
      );
      assert.deepEqual(await download(t, String(att.id), visitor), image);
      // The last part's answer lost, the client sends it again: the same file, not an error.
      const replay = await json(await part(t, visitor, s.id, image.length, new Uint8Array(0)));
      assert.equal(replay.status, 201, JSON.stringify(replay.body));
      assert.equal((replay.body.attachment as { id: string }).id, att.id);
    });

    await ctx.step("a part cut off keeps its whole chunks and the upload resumes", async () => {
      const s = await started(await start(t, visitor, { name: "cut.png", size: image.length }));
      // 600 KiB of a 1 MiB part arrive: two whole chunks are kept, the rest is sent again.
      await cutOffPart(t, visitor.token, s.id, 0, image.subarray(0, PART_BYTES), 600 * 1024);
      let offset = -1;
      await waitUntil(async () => {
        const body = (await json(await status(t, visitor, s.id))).body;
        offset = (body.upload as Session).offset;
        return offset === 2 * CHUNK_BYTES;
      }, "the cut-off part's two whole chunks are stored");
      // A part that does not end on a chunk keeps only its whole chunks.
      const short = await json(
        await part(t, visitor, s.id, offset, image.slice(offset, offset + CHUNK_BYTES + 1000)),
      );
      assert.equal((short.body.upload as Session).offset, 3 * CHUNK_BYTES);
      const last = await sendRest(t, visitor, { ...s, offset: 3 * CHUNK_BYTES }, image);
      assert.equal(last.status, 201);
      const id = String((last.body.attachment as { id: string }).id);
      assert.deepEqual(await download(t, id, visitor), image);
    });

    await ctx.step("text stays checked across parts", async () => {
      // "é" (2 bytes) straddles the first chunk's end, which is also the first part's end.
      const enc = new TextEncoder();
      const text = new Uint8Array(CHUNK_BYTES + 5000);
      text.fill(0x61);
      text.set(enc.encode("é"), CHUNK_BYTES - 1);
      const s = await started(await start(t, visitor, { name: "notes.txt", size: text.length }));
      const a = await json(await part(t, visitor, s.id, 0, text.slice(0, CHUNK_BYTES)));
      assert.equal((a.body.upload as Session).offset, CHUNK_BYTES);
      const b = await json(await part(t, visitor, s.id, CHUNK_BYTES, text.slice(CHUNK_BYTES)));
      assert.equal(b.status, 201, JSON.stringify(b.body));
      assert.match(String((b.body.attachment as { type: string }).type), /^text\/plain/);

      // A NUL in a later part: not text, and other files are not accepted by default.
      const binary = text.slice();
      binary[CHUNK_BYTES + 10] = 0;
      const s2 = await started(await start(t, visitor, { name: "bin.txt", size: text.length }));
      await part(t, visitor, s2.id, 0, binary.slice(0, CHUNK_BYTES));
      const refused = await json(
        await part(t, visitor, s2.id, CHUNK_BYTES, binary.slice(CHUNK_BYTES)),
      );
      assert.equal(refused.status, 415);
      assert.equal((await status(t, visitor, s2.id)).status, 404);
    });

    await ctx.step("refusals: fake image, too large, oversized part", async () => {
      const fake = new TextEncoder().encode("not a png at all");
      const s = await started(await start(t, visitor, { name: "fake.png", size: fake.length }));
      const bad = await json(await part(t, visitor, s.id, 0, fake, "image/png"));
      assert.equal(bad.status, 422);
      assert.equal((bad.body.error as { code: string }).code, "bad_image");
      assert.equal((await status(t, visitor, s.id)).status, 404);

      const big = await start(t, visitor, { name: "big.png", size: MAX_BYTES + 1 });
      assert.equal(big.status, 413);
      assert.equal((await big.json()).error.code, "too_large");
      const zero = await start(t, visitor, { name: "zero.png", size: 0 });
      assert.equal(zero.status, 400);
      await zero.body?.cancel();

      const small = await started(await start(t, visitor, { name: "small.png", size: 5000 }));
      const over = await json(await part(t, visitor, small.id, 0, png(6000)));
      assert.equal(over.status, 400);
      // The upload stays, for proper parts.
      const ok = await json(await part(t, visitor, small.id, 0, png(5000)));
      assert.equal(ok.status, 201);
    });

    await ctx.step("only the uploader sees, continues or cancels an upload", async () => {
      const s = await started(await start(t, visitor, { name: "mine.png", size: image.length }));
      await part(t, visitor, s.id, 0, image.slice(0, PART_BYTES));
      for (const who of [other, agent]) {
        assert.equal((await status(t, who, s.id)).status, 404);
        const put = await part(t, who, s.id, PART_BYTES, image.slice(PART_BYTES, 2 * PART_BYTES));
        assert.equal(put.status, 404);
        await put.body?.cancel();
        const del = await fetch(`${t.url}/api/uploads/${s.id}`, {
          method: "DELETE",
          headers: headers(who),
        });
        assert.equal(del.status, 404);
        await del.body?.cancel();
      }
      // The query string is no place for a token: without a header this is an agent request.
      const byQuery = await fetch(`${t.url}/api/uploads/${s.id}?token=${visitor.token}`);
      assert.equal(byQuery.status, 401);
      await byQuery.body?.cancel();

      const cancel = await fetch(`${t.url}/api/uploads/${s.id}`, {
        method: "DELETE",
        headers: headers(visitor),
      });
      assert.equal(cancel.status, 204);
      assert.equal((await status(t, visitor, s.id)).status, 404);
    });

    await ctx.step("an agent uploads in parts to a conversation, with CSRF", async () => {
      const v = await t.visitorSocket();
      v.send({ type: "message", clientId: "c-1", body: "hello" });
      const conversationId = String((await v.nextOf("ack")).conversationId);
      const noCsrf = await fetch(`${t.url}/api/conversations/${conversationId}/uploads`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ name: "x.png", size: 10 }),
      });
      assert.equal(noCsrf.status, 403);
      await noCsrf.body?.cancel();
      const s = await started(
        await start(t, agent, { name: "invoice.png", size: image.length }, conversationId),
      );
      const last = await sendRest(t, agent, s, image);
      assert.equal(last.status, 201);
      assert.deepEqual(
        await download(t, String((last.body.attachment as { id: string }).id), agent),
        image,
      );
    });

    await ctx.step("files taken back or never sent are deleted", async () => {
      const small = png(4000);
      const s = await started(await start(t, visitor, { name: "back.png", size: small.length }));
      const done = await json(await part(t, visitor, s.id, 0, small));
      const id = String((done.body.attachment as { id: string }).id);
      const del = await fetch(`${t.url}/api/uploads/${id}`, {
        method: "DELETE",
        headers: headers(visitor),
      });
      assert.equal(del.status, 204);
      const gone = await fetch(`${t.url}/api/attachments/${id}`, { headers: headers(visitor) });
      assert.equal(gone.status, 404);
      await gone.body?.cancel();

      // The sweep takes complete uploads no message carries once they are old enough.
      const store = new AttachmentStore(t.store.db);
      const before = (await t.store.db.query(
        "SELECT count(*)::int AS n FROM attachments WHERE state = 'complete' AND message_id IS NULL",
        [],
      ))[0].n;
      assert.ok(Number(before) > 0);
      await store.sweepPending(new Date(0), new Date(Date.now() + 60_000));
      const after = (await t.store.db.query(
        "SELECT count(*)::int AS n FROM attachments WHERE message_id IS NULL",
        [],
      ))[0].n;
      assert.equal(Number(after), 0);
    });
  });
}
