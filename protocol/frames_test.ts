import assert from "node:assert/strict";
import { parseAgentFrame, parseVisitorFrame, UnknownTypeError } from "./frames.ts";
import { ValidationError } from "./validate.ts";

Deno.test("parseVisitorFrame returns typed frames and drops unknown fields", () => {
  assert.deepEqual(
    parseVisitorFrame(JSON.stringify({ type: "message", clientId: "c-1", body: "hi", x: 1 })),
    { type: "message", clientId: "c-1", body: "hi" },
  );
  assert.deepEqual(
    parseVisitorFrame(JSON.stringify({ type: "hello", site: "demo", lastSeq: 3 })),
    { type: "hello", site: "demo", lastSeq: 3 },
  );
});

Deno.test("parseVisitorFrame refuses wrong shapes with ValidationError", () => {
  for (
    const bad of [
      "nope",
      "null",
      "[]",
      '{"type":1}',
      '{"type":"hello"}',
      '{"type":"hello","site":"has space"}',
      '{"type":"message","clientId":"","body":"x"}',
      '{"type":"rate","rating":6}',
      '{"type":"read","seq":1.5}',
      '{"type":"contact","email":"not-an-email"}',
      '{"type":"typing","active":"yes"}',
      '{"type":"attributes","attributes":{"a":{"nested":true}}}',
      '{"type":"page","page":{"url":"x","title":"t","__proto__":{"a":1}}}',
    ]
  ) {
    assert.throws(() => parseVisitorFrame(bad), ValidationError, bad);
  }
});

Deno.test("unknown frame types are reported as unknown_type", () => {
  assert.throws(() => parseVisitorFrame('{"type":"accept"}'), UnknownTypeError);
  assert.throws(() => parseAgentFrame('{"type":"hello","site":"demo"}'), UnknownTypeError);
});

Deno.test("over-long fields are too_large", () => {
  try {
    parseVisitorFrame(JSON.stringify({ type: "message", clientId: "c", body: "x".repeat(8001) }));
    assert.fail("expected a throw");
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    assert.equal(err.code, "too_large");
  }
});

Deno.test("parseAgentFrame validates every agent action", () => {
  assert.deepEqual(parseAgentFrame('{"type":"presence","status":"away"}'), {
    type: "presence",
    status: "away",
  });
  assert.throws(() => parseAgentFrame('{"type":"presence","status":"asleep"}'), ValidationError);
  assert.deepEqual(
    parseAgentFrame(
      '{"type":"message","conversationId":"c1","clientId":"k","body":"b","note":true}',
    ),
    { type: "message", conversationId: "c1", clientId: "k", body: "b", note: true },
  );
  assert.throws(
    () => parseAgentFrame('{"type":"transfer","conversationId":"c1"}'),
    ValidationError,
  );
  assert.deepEqual(
    parseAgentFrame('{"type":"unassign","conversationId":"c1","requestId":"r1","agentId":"x"}'),
    { type: "unassign", conversationId: "c1", requestId: "r1" },
  );
  assert.throws(() => parseAgentFrame('{"type":"unassign"}'), ValidationError);
});

Deno.test("deeply nested JSON is refused before it is walked further", () => {
  const deep = '{"type":"ping","x":' + "[".repeat(100) + "]".repeat(100) + "}";
  assert.throws(() => parseVisitorFrame(deep), ValidationError);
});

Deno.test("parseAgentFrame() keeps a command's requestId and refuses a malformed one", () => {
  assert.deepEqual(
    parseAgentFrame(JSON.stringify({ type: "accept", conversationId: "c1", requestId: "r:1" })),
    { type: "accept", conversationId: "c1", requestId: "r:1" },
  );
  assert.deepEqual(
    parseAgentFrame(JSON.stringify({ type: "sync", conversationId: "c1", limit: 5 })),
    { type: "sync", conversationId: "c1", limit: 5 },
  );
  for (const requestId of ["", "a b", "x".repeat(65), 7]) {
    assert.throws(
      () => parseAgentFrame(JSON.stringify({ type: "resolve", conversationId: "c1", requestId })),
      ValidationError,
    );
  }
});

Deno.test("parseVisitorFrame() reads a transcript request, with or without an address", () => {
  assert.deepEqual(parseVisitorFrame('{"type":"transcript"}'), { type: "transcript" });
  assert.deepEqual(parseVisitorFrame('{"type":"transcript","email":"a@b.c"}'), {
    type: "transcript",
    email: "a@b.c",
  });
  assert.throws(() => parseVisitorFrame('{"type":"transcript","email":"nope"}'), ValidationError);
  assert.throws(() => parseVisitorFrame('{"type":"transcript","email":3}'), ValidationError);
});
