import { deepEqual as assertEquals } from "node:assert/strict";
import { latestOnly } from "./latest_only.ts";

/** Lets every promise reaction queued so far run (no timer: the chain settles in microtasks). */
async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

Deno.test("latestOnly sends one request at a time and skips to the newest value", async () => {
  const sent: string[] = [];
  const resolvers: (() => void)[] = [];
  const s = latestOnly<string>((v) => {
    sent.push(v);
    return new Promise<void>((r) => resolvers.push(r));
  }, () => {});
  s.send("low");
  s.send("medium");
  s.send("high");
  assertEquals(sent, ["low"]);
  resolvers.shift()!();
  await settle();
  assertEquals(sent, ["low", "high"]);
  resolvers.shift()!();
  await settle();
  assertEquals(sent, ["low", "high"]);
});

Deno.test("latestOnly reports a failure and goes on with the next value", async () => {
  const errors: unknown[] = [];
  const sent: number[] = [];
  let fail = true;
  const s = latestOnly<number>((v) => {
    sent.push(v);
    if (fail) {
      fail = false;
      return Promise.reject(new Error("nope"));
    }
    return Promise.resolve();
  }, (e) => errors.push(e));
  s.send(1);
  s.send(2);
  await settle();
  assertEquals(sent, [1, 2]);
  assertEquals(errors.length, 1);
});
