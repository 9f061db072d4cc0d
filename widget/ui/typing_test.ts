import assert from "node:assert/strict";
import type { VisitorClientFrame } from "../../protocol/frames.ts";
import { manualClock } from "../../protocol/client/testing/clock.ts";
import { VISITOR_TYPING_IDLE_MS, VISITOR_TYPING_THROTTLE_MS } from "../../protocol/timing.ts";
import { createTypingNotifier } from "./typing.ts";

function setup(connected = true) {
  const clock = manualClock();
  const sent: VisitorClientFrame[] = [];
  const typing = createTypingNotifier(clock, (f) => {
    if (connected) sent.push(f);
    return connected;
  });
  return { clock, sent, typing };
}

Deno.test("createTypingNotifier() sends the latest draft when the throttle window ends", () => {
  const { clock, sent, typing } = setup();
  typing.draft("a");
  clock.advance(500);
  typing.draft("ab");
  typing.draft("abc");
  assert.equal(sent.length, 1);
  clock.advance(VISITOR_TYPING_THROTTLE_MS - 500);
  assert.deepEqual(sent, [
    { type: "typing", active: true, preview: "a" },
    { type: "typing", active: true, preview: "abc" },
  ]);
});

Deno.test("createTypingNotifier() says inactive after idle, on an emptied draft, and once", () => {
  const { clock, sent, typing } = setup();
  typing.draft("hi");
  clock.advance(VISITOR_TYPING_IDLE_MS);
  assert.deepEqual(sent.at(-1), { type: "typing", active: false });
  typing.stop();
  assert.equal(sent.filter((f) => f.type === "typing" && !f.active).length, 1);
  clock.advance(VISITOR_TYPING_THROTTLE_MS);
  typing.draft("x");
  typing.draft("");
  assert.deepEqual(sent.at(-1), { type: "typing", active: false });
});

Deno.test("createTypingNotifier() caps the preview and stays quiet when it could not send", () => {
  const big = setup();
  big.typing.draft("x".repeat(2000));
  const first = big.sent[0];
  assert.ok(first.type === "typing" && first.preview?.length === 500);
  const offline = setup(false);
  offline.typing.draft("hello");
  offline.typing.stop();
  assert.deepEqual(offline.sent, []);
});
