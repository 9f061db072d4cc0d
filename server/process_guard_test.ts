import assert from "node:assert/strict";
import { guardProcess, isStraySocketError } from "./process_guard.ts";
import type { Logger } from "../core/log.ts";

function socketError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code, syscall: "read" });
}

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (msg) => lines.push(`debug ${msg}`),
    info: (msg) => lines.push(`info ${msg}`),
    warn: (msg) => lines.push(`warn ${msg}`),
    error: (msg) => lines.push(`error ${msg}`),
  };
}

function rejection(reason: unknown): PromiseRejectionEvent {
  const promise = Promise.reject(reason);
  promise.catch(() => {});
  return new PromiseRejectionEvent("unhandledrejection", { promise, reason, cancelable: true });
}

Deno.test("only network errors of a socket count as stray", () => {
  assert.ok(isStraySocketError(socketError("ECONNRESET")));
  assert.ok(isStraySocketError(socketError("EPIPE")));
  assert.ok(!isStraySocketError(new Error("read ECONNRESET")), "no code, no syscall");
  // A write after the peer's FIN: Node's error carries a code but no syscall.
  assert.ok(
    isStraySocketError(
      Object.assign(new Error("This socket has been ended by the other party"), { code: "EPIPE" }),
    ),
  );
  assert.ok(!isStraySocketError(socketError("EACCES")));
  assert.ok(!isStraySocketError({ code: "ECONNRESET", syscall: "read" }), "not an Error");
  assert.ok(!isStraySocketError(new TypeError("undefined is not a function")));
});

Deno.test("postgres.js flushing an empty batch from a stale immediate counts as stray", () => {
  const nullWrite = (stack: string) =>
    Object.assign(new TypeError("May not write null values to stream"), {
      code: "ERR_STREAM_NULL_VALUES",
      stack,
    });
  // As Deno 2.5 reported it (server under load, 500 sockets saying hello).
  assert.ok(isStraySocketError(nullWrite(
    "TypeError [ERR_STREAM_NULL_VALUES]: May not write null values to stream\n" +
      "    at _write (node:_stream_writable:368:11)\n" +
      "    at Socket.Writable.write (node:_stream_writable:414:10)\n" +
      "    at nextWrite (file:///app/node_modules/.deno/postgres@3.4.9/node_modules/postgres/" +
      "src/connection.js:255:22)\n    at ext:deno_web/02_timers.js:35:14",
  )));
  // The same error from anywhere else is a bug, not a stray.
  assert.ok(
    !isStraySocketError(nullWrite(
      "TypeError [ERR_STREAM_NULL_VALUES]: May not write null values to stream\n" +
        "    at _write (node:_stream_writable:368:11)\n    at file:///app/core/x.ts:1:1",
    )),
  );
});

Deno.test("the guard absorbs a stray socket error and lets any other rejection through", () => {
  const log = recorder();
  const target = new EventTarget();
  const remove = guardProcess(log, target);
  const stray = rejection(socketError("ECONNRESET"));
  target.dispatchEvent(stray);
  assert.ok(stray.defaultPrevented);
  const bug = rejection(new TypeError("undefined is not a function"));
  target.dispatchEvent(bug);
  assert.ok(!bug.defaultPrevented, "a bug still ends the process");
  const thrown = new ErrorEvent("error", { error: socketError("EPIPE"), cancelable: true });
  target.dispatchEvent(thrown);
  assert.ok(thrown.defaultPrevented, "thrown from a callback rather than rejected");
  const thrownBug = new ErrorEvent("error", { error: new Error("a bug"), cancelable: true });
  target.dispatchEvent(thrownBug);
  assert.ok(!thrownBug.defaultPrevented);
  assert.deepEqual(log.lines, [
    "warn ignored a socket error no handler was left for",
    "error unhandled rejection; exiting",
    "warn ignored a socket error no handler was left for",
    "error uncaught exception; exiting",
  ]);
  remove();
  const after = rejection(socketError("ECONNRESET"));
  target.dispatchEvent(after);
  assert.ok(!after.defaultPrevented, "removed");
});

Deno.test("a process with the guard outlives a stray socket error and still dies of a bug", async () => {
  const guard = new URL("./process_guard.ts", import.meta.url).href;
  const script = (reason: string) =>
    `import { guardProcess } from "${guard}";
     import { silentLogger } from "${new URL("../core/log.ts", import.meta.url).href}";
     guardProcess(silentLogger);
     Promise.reject(${reason});
     setTimeout(() => { throw ${reason}; }, 0);
     await new Promise((r) => setTimeout(r, 50));
     console.log("alive");`;
  const run = async (reason: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script(reason)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stdout: new TextDecoder().decode(out.stdout).trim() };
  };
  const stray = await run(
    `Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" })`,
  );
  assert.deepEqual(stray, { code: 0, stdout: "alive" });
  const bug = await run(`new TypeError("a bug")`);
  assert.notEqual(bug.code, 0);
  assert.equal(bug.stdout, "");
});
