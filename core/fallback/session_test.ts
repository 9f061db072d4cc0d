import assert from "node:assert/strict";
import { CloseCode } from "../../protocol/codes.ts";
import { eventSeq, FallbackSession, PADDING } from "./session.ts";

const decoder = new TextDecoder();

function session(maxBufferedBytes = 1 << 20) {
  const log = { ended: 0, closed: 0, finished: 0, texts: [] as string[] };
  const s = new FallbackSession(
    "inst.AAAAAAAAAAAAAAAAAAAAAA",
    { maxBufferedBytes, graceMs: 50 },
    { ended: () => log.ended++ },
    () => log.finished++,
  );
  s.start({
    onText: (t) => log.texts.push(t),
    onBinary: () => {},
    onClose: () => log.closed++,
  });
  return { s, log };
}

async function readText(s: FallbackSession): Promise<string | null> {
  const chunk = await s.read();
  return chunk === null ? null : decoder.decode(chunk);
}

Deno.test("a stream starts with the padding and its open event, then one event per frame", async () => {
  const { s } = session();
  assert.equal(
    await readText(s),
    `${PADDING}event: open\ndata: {"stream":"inst.AAAAAAAAAAAAAAAAAAAAAA"}\n\n`,
  );
  s.send({ type: "pong" });
  s.send('{"type":"ack","clientId":"c","messageId":"m","conversationId":"x","seq":7}');
  assert.equal(
    await readText(s),
    'data: {"type":"pong"}\n\n' +
      'id: 7\ndata: {"type":"ack","clientId":"c","messageId":"m","conversationId":"x","seq":7}\n\n',
  );
  // Silence: a keep-alive comment after 15 s, not before.
  s.keepAlive(s.lastWriteAt + 14_000);
  s.keepAlive(s.lastWriteAt + 15_000);
  assert.equal(await readText(s), ": keep-alive\n\n");
});

Deno.test("the seq of a message or ack names the event; other frames have none", () => {
  assert.equal(
    eventSeq('{"type":"message","message":{"id":"a","conversationId":"b","seq":12,"body":"x"}}'),
    12,
  );
  assert.equal(
    eventSeq(
      '{"type":"message","message":{"id":"a","conversationId":"b","seq":3,"body":"\\"seq\\":9"}}',
    ),
    3,
  );
  assert.equal(eventSeq('{"type":"welcome","seq":4}'), null);
});

Deno.test("closing queues the close event, ends the body and the virtual socket", async () => {
  const { s, log } = session();
  await s.read();
  s.close(CloseCode.OriginNotAllowed, "Origin not allowed");
  await Promise.resolve();
  assert.equal(log.closed, 1);
  assert.equal(log.ended, 1);
  assert.equal(s.open, false);
  s.send({ type: "pong" });
  assert.equal(
    await readText(s),
    'event: close\ndata: {"code":4003,"reason":"Origin not allowed"}\n\n',
  );
  assert.equal(await s.read(), null);
  assert.equal(log.finished, 1);
});

Deno.test("a reader that falls behind is closed as a slow consumer", async () => {
  const { s, log } = session(4096);
  for (let i = 0; i < 10; i++) s.send({ type: "message", body: "x".repeat(1000) });
  await Promise.resolve();
  assert.equal(log.closed, 1);
  // What it had not read is dropped: only the close event is left.
  assert.equal(await readText(s), 'event: close\ndata: {"code":4009,"reason":"Slow consumer"}\n\n');
});

Deno.test("a close the reader never takes cuts the body off after the grace", async () => {
  const { s, log } = session();
  s.close(CloseCode.ServiceRestart, "Server restarting");
  await new Promise<void>((resolve) => s.signal.addEventListener("abort", () => resolve()));
  assert.equal(log.finished, 1);
});

Deno.test("posted frames reach the protocol in index order; a gone reader ends the socket", () => {
  const { s, log } = session();
  assert.equal(s.receive(1, ["b"]), 0);
  assert.equal(s.receive(0, ["a"]), 2);
  assert.equal(s.receive(0, ["a", "b"]), 2);
  assert.deepEqual(log.texts, ["a", "b"]);
  s.cancel();
  assert.equal(log.closed, 1);
  assert.equal(log.finished, 1);
  assert.equal(s.receive(2, ["c"]), 2);
  assert.deepEqual(log.texts, ["a", "b"]);
});
