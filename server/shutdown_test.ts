import assert from "node:assert/strict";
import type { LogFields, Logger } from "../core/log.ts";
import { ShutdownBudget } from "./shutdown.ts";

function recorder(): Logger & { lines: { level: string; msg: string; fields?: LogFields }[] } {
  const lines: { level: string; msg: string; fields?: LogFields }[] = [];
  const at = (level: string) => (msg: string, fields?: LogFields) =>
    lines.push({ level, msg, fields });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

Deno.test("ShutdownBudget.step() returns true for a step that finishes within its share", async () => {
  const log = recorder();
  const budget = new ShutdownBudget(1000, log);
  assert.equal(await budget.step("quick", 0.5, () => Promise.resolve()), true);
  assert.deepEqual(budget.cut, []);
  assert.equal(budget.pending.size, 0);
});

Deno.test("ShutdownBudget.step() cuts a step short at its share and logs it", async () => {
  const log = recorder();
  const budget = new ShutdownBudget(200, log);
  let release = () => {};
  const hung = new Promise<void>((r) => release = r);
  const started = Date.now();
  assert.equal(await budget.step("hung", 0.5, () => hung), false);
  assert.ok(Date.now() - started < 1000, "returned at its deadline, not when the work ended");
  assert.deepEqual(budget.cut, ["hung"]);
  assert.ok(
    log.lines.some((l) => l.msg.startsWith("shutdown step cut short") && l.fields?.step === "hung"),
  );
  release();
});

Deno.test("ShutdownBudget.step() counts a failing step as finished", async () => {
  const log = recorder();
  const budget = new ShutdownBudget(1000, log);
  assert.equal(await budget.step("fails", 1, () => Promise.reject(new Error("boom"))), true);
  assert.ok(log.lines.some((l) => l.msg === "shutdown step failed"));
});

Deno.test("ShutdownBudget.exitCode() is 0 once every socket was sent its 1012, 1 before", () => {
  const budget = new ShutdownBudget(1000, recorder());
  assert.equal(budget.exitCode(), 1);
  budget.closesSent = true;
  assert.equal(budget.exitCode(), 0);
});

Deno.test("ShutdownBudget.watchdog() exits when the budget is spent, naming what is pending", async () => {
  const log = recorder();
  const budget = new ShutdownBudget(150, log);
  budget.closesSent = true;
  const step = budget.step("store close", 1, () => new Promise(() => {}));
  const code = await new Promise<number>((resolve) => budget.watchdog(resolve));
  assert.equal(code, 0);
  // The watchdog fires just before the step's own deadline, which then cuts it short.
  assert.equal(await step, false);
  const line = log.lines.find((l) => l.level === "error");
  assert.equal(line?.fields?.pending, "store close");
});
