/**
 * Thousands of malformed frames at both WebSocket endpoints of a real server process: invalid
 * JSON, wrong types, unknown types, missing fields, huge frames, binary frames, deep nesting,
 * `__proto__` keys, out-of-range numbers, NUL bytes. Each is answered with a typed `error`
 * frame (or, before `hello`, a close with a documented code); the socket stays usable, the
 * process stays up and its memory stays bounded.
 */

import assert from "node:assert/strict";
import { CloseCode, ErrorCode } from "../protocol/codes.ts";
import { adminCookie, figure, rssOf, startServerProcess } from "./helpers/faults.ts";
import { type FuzzFrame, fuzzFrames, Rng } from "./helpers/fuzz.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";

const SEED = Number(Deno.env.get("PARLEY_FUZZ_SEED") ?? Date.now() % 1e9);
const CODES = new Set<string>(Object.values(ErrorCode));
const DOCUMENTED_CLOSES = new Set<number>(Object.values(CloseCode));
// Frames and messages are not rate limited here so every frame reaches the validators; the
// limits have their own tests.
const ENV = {
  PARLEY_FRAMES_PER_SECOND: "100000",
  PARLEY_FRAME_BURST: "100000",
  PARLEY_MESSAGES_PER_SECOND: "10000",
  PARLEY_MESSAGE_BURST: "100000",
};

/**
 * Sends the frames in batches, each followed by a ping, and checks every batch: as many typed
 * errors as frames, no ack. (Answers are counted per batch rather than per frame because a frame
 * answered after a database round trip may arrive after a later frame's immediate answer.)
 */
async function throwAt(s: TestSocket, frames: FuzzFrame[], where: string): Promise<void> {
  let cursor = s.frames.length;
  for (let start = 0; start < frames.length; start += 50) {
    const batch = frames.slice(start, start + 50);
    for (const f of batch) {
      s.ws.send(f.data);
      s.send({ type: "ping" });
    }
    const answers: Frame[] = [];
    let pongs = 0;
    const deadline = Date.now() + 20_000;
    while (pongs < batch.length) {
      if (s.ws.readyState === WebSocket.CLOSED) throw new Error(`${where}: socket closed`);
      if (Date.now() > deadline) throw new Error(`${where}: no answer (seed ${SEED})`);
      for (; cursor < s.frames.length; cursor++) {
        const f = s.frames[cursor];
        if (f.type === "pong") pongs++;
        else if (f.type !== "ping") answers.push(f);
      }
      // A poll against the 20 s deadline above, not a sleep: it ends when the pongs are in.
      if (pongs < batch.length) await new Promise((r) => setTimeout(r, 2));
    }
    const what = `${where} frames ${start}..${start + batch.length} (seed ${SEED}): ${
      batch.map((f) => f.kind).join(", ")
    }; answers ${JSON.stringify(answers).slice(0, 2000)}`;
    const errors = answers.filter((a) => a.type === "error");
    assert.equal(errors.length, batch.length, `one error per frame for ${what}`);
    assert.ok(errors.every((e) => CODES.has(String(e.code))), `documented codes for ${what}`);
    assert.ok(errors.every((e) => typeof e.message === "string"));
    assert.ok(!answers.some((a) => a.type === "ack"), `no ack for ${what}`);
  }
}

Deno.test(
  "thousands of malformed frames get typed errors; the process stays up, memory bounded",
  async () => {
    console.log(`fuzz seed ${SEED} (replay with PARLEY_FUZZ_SEED=${SEED})`);
    const rng = new Rng(SEED);
    const srv = await startServerProcess(ENV);
    try {
      const wsUrl = srv.proc.url.replace(/^http/, "ws");
      const visitor = await TestSocket.open(`${wsUrl}/ws/visitor`);
      visitor.send({ type: "hello", site: "demo" });
      await visitor.nextOf("welcome");
      visitor.send({ type: "message", clientId: "first", body: "open a conversation" });
      const { conversationId } = await visitor.nextOf("ack");
      const agent = await TestSocket.open(`${wsUrl}/ws/agent`, {
        cookie: await adminCookie(srv.proc.url),
      });
      await agent.nextOf("welcome");

      // Warm up, then measure: the second half must not grow memory like the first did.
      await throwAt(visitor, fuzzFrames(rng, "visitor", 300), "visitor warm-up");
      const rssStart = await rssOf(srv.proc.pid);
      let total = 300;
      const rounds: number[] = [];
      for (let round = 0; round < 2; round++) {
        const vf = fuzzFrames(rng, "visitor", 2500);
        await throwAt(visitor, vf, "visitor");
        const af = fuzzFrames(rng, "agent", 2500);
        await throwAt(agent, af, "agent");
        total += vf.length + af.length;
        rounds.push(await rssOf(srv.proc.pid));
      }

      // Before hello, a malformed first frame is refused and the socket closed with 4400.
      const early = fuzzFrames(rng, "visitor", 200);
      const badHellos = [
        { type: "hello" },
        { type: "hello", site: 5 },
        { type: "hello", site: "../etc" },
        { type: "hello", site: "demo", token: 7 },
        { type: "hello", site: "demo", token: "t".repeat(513) },
        { type: "hello", site: "demo", lastSeq: -1 },
        { type: "hello", site: "demo", page: { url: 1 } },
        { type: "hello", site: "demo", locale: "x".repeat(36) },
        { type: "hello", site: "demo", __proto__x: 1, constructor: {} },
      ].map((h) => ({ kind: "bad hello", data: JSON.stringify(h) }));
      const closes = new Map<number, number>();
      await Promise.all([...early, ...badHellos].map(async (f) => {
        const s = await TestSocket.open(`${wsUrl}/ws/visitor`);
        s.ws.send(f.data);
        const { code } = await s.closed;
        const error = s.all("error")[0];
        assert.ok(error && CODES.has(String(error.code)), `typed error for ${f.kind}`);
        assert.ok(DOCUMENTED_CLOSES.has(code), `documented close ${code} for ${f.kind}`);
        closes.set(code, (closes.get(code) ?? 0) + 1);
      }));
      total += early.length + badHellos.length;
      // An unknown (well-formed) site is an authentication failure, not a protocol error.
      const unknownSite = await TestSocket.open(`${wsUrl}/ws/visitor`);
      unknownSite.send({ type: "hello", site: "no-such-site" });
      assert.equal((await unknownSite.closed).code, CloseCode.Unauthorized);
      assert.equal(unknownSite.all("error")[0].code, "site_not_found");

      // Both sockets are still usable.
      visitor.send({ type: "message", clientId: "after-fuzz", body: "still here" });
      assert.equal((await visitor.nextOf("ack", (f) => f.clientId === "after-fuzz")).seq, 2);
      agent.send({ type: "sync", conversationId, afterSeq: 0 });
      const history = await agent.nextOf("history", () => true, 10_000);
      assert.deepEqual(
        (history.messages as { body: string }[]).map((m) => m.body),
        ["open a conversation", "still here"],
      );
      const health = await fetch(`${srv.proc.url}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();

      const growth1 = (rounds[0] - rssStart) / 1e6;
      const growth2 = (rounds[1] - rounds[0]) / 1e6;
      figure("fuzz ws: malformed frames survived", total);
      figure("fuzz ws: pre-hello close codes", Object.fromEntries(closes));
      figure("fuzz ws: RSS MB at start, after round 1, after round 2", [
        (rssStart / 1e6).toFixed(0),
        (rounds[0] / 1e6).toFixed(0),
        (rounds[1] / 1e6).toFixed(0),
      ]);
      assert.ok(
        growth2 < 40,
        `memory keeps growing: +${growth1.toFixed(1)} then +${growth2.toFixed(1)} MB`,
      );
      await Promise.all([visitor.close(), agent.close()]);
      const status = await Promise.race([srv.proc.status, Promise.resolve(null)]);
      assert.equal(status, null, "the server is still running");
    } finally {
      await srv.close();
    }
  },
);
