import assert from "node:assert/strict";
import type { BusEvent } from "./bus.ts";
import {
  decodeBatch,
  encodeBatch,
  encodeControl,
  encodeEvent,
  MAX_ATTRIBUTE_KEYS_BYTES,
  utf8Length,
} from "./bus_wire.ts";

const id = "0d3c4a8e-6f0e-4b7c-9a55-2b1f8c3e9d11";

Deno.test("bus doorbells round-trip every event kind without message bodies", () => {
  const events: BusEvent[] = [
    { kind: "message", conversationId: id, visitorId: id, seq: 42, note: true },
    { kind: "conversation", conversationId: id, visitorId: id },
    {
      kind: "typing",
      conversationId: id,
      visitorId: id,
      author: "visitor",
      agentId: null,
      name: "",
      active: true,
      preview: "héllo \u{1F600}",
    },
    {
      kind: "typing",
      conversationId: id,
      visitorId: id,
      author: "agent",
      agentId: id,
      name: "Ann",
      active: false,
    },
    { kind: "identity", visitorId: id },
    { kind: "attributes", visitorId: id, keys: ["plan", "seats", "é \u{1F600}"] },
    { kind: "attributes", visitorId: id, keys: null },
    { kind: "session_revoked", agentId: id },
    { kind: "session_revoked", agentId: id, keepSession: "a".repeat(64) },
    { kind: "fallback_relay", instanceId: id },
  ];
  const payload = encodeBatch("inst-1", 7, 1000, [
    ...events.map((e) => encodeEvent(e)),
    encodeEvent({ kind: "agent", agentId: id }, { agent: { connected: true, choice: "away" } }),
    encodeEvent({ kind: "visitor", visitorId: id }, { visitorConnected: false }),
    encodeControl({ kind: "gone", instanceId: "inst-2" }),
    encodeControl({ kind: "reload" }),
  ]);
  const batch = decodeBatch(payload);
  assert.equal(batch.instanceId, "inst-1");
  assert.equal(batch.n, 7);
  assert.deepEqual(
    batch.entries.slice(0, events.length).map((e) => e.kind === "event" ? e.event : null),
    events,
  );
  assert.deepEqual(batch.entries[events.length], {
    kind: "event",
    event: { kind: "agent", agentId: id },
    agent: { connected: true, choice: "away" },
  });
  assert.deepEqual(batch.entries[events.length + 1], {
    kind: "event",
    event: { kind: "visitor", visitorId: id },
    visitorConnected: false,
  });
  assert.deepEqual(batch.entries.slice(-2), [{ kind: "gone", instanceId: "inst-2" }, {
    kind: "reload",
  }]);
  // A message doorbell carries no body: under 100 bytes with two UUIDs.
  assert.ok(utf8Length(encodeEvent(events[0])) < 100);
});

Deno.test("decodeBatch() refuses malformed or hostile payloads", () => {
  const bad = [
    "not json",
    "[]",
    '{"v":2,"i":"a","n":1,"t":0,"e":[]}',
    '{"v":1,"i":"a b","n":1,"t":0,"e":[]}',
    '{"v":1,"i":"a","n":1,"t":0,"e":[["m","c","v",-1,0]]}',
    '{"v":1,"i":"a","n":1,"t":0,"e":[["m","c","v",1,2]]}',
    '{"v":1,"i":"a","n":1,"t":0,"e":[["zz"]]}',
    '{"v":1,"i":"a","n":1,"t":0,"e":[["a","x",1,"busy"]]}',
    '{"v":1,"i":"a","n":"1","t":0,"e":[]}',
  ];
  for (const p of bad) assert.throws(() => decodeBatch(p), `accepted ${p}`);
});

Deno.test("an attributes doorbell too long to list its keys rings for all of them", () => {
  // 30 keys of 64 control characters: each escapes to 6 bytes of JSON, far past a payload.
  const keys = Array.from({ length: 30 }, (_, i) => String.fromCharCode(i + 1).repeat(64));
  const entry = encodeEvent({ kind: "attributes", visitorId: id, keys });
  assert.ok(utf8Length(entry) < MAX_ATTRIBUTE_KEYS_BYTES);
  const batch = decodeBatch(encodeBatch("inst-1", 1, 0, [entry]));
  assert.deepEqual(batch.entries[0], {
    kind: "event",
    event: { kind: "attributes", visitorId: id, keys: null },
  });
  for (
    const bad of [
      '["k","v",1]',
      '["k","v",[1]]',
      `["k","v",[${JSON.stringify("x".repeat(65))}]]`,
      `["k","v",${JSON.stringify(Array.from({ length: 101 }, (_, i) => String(i)))}]`,
    ]
  ) {
    assert.throws(() => decodeBatch(encodeBatch("inst-1", 1, 0, [bad])), `accepted ${bad}`);
  }
});

Deno.test("utf8Length() counts bytes like TextEncoder", () => {
  for (const s of ["", "abc", "é", "€", "\u{1F600}", "a\u{1F600}é€z"]) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, s);
  }
});
