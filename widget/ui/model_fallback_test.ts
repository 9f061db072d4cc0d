/**
 * The model's switch to the fallback transport (docs/widget.md "When WebSockets are blocked"):
 * after two connection attempts in a row that ended before `welcome`, it loads the fallback
 * chunk once and opens every later attempt with its factory.
 */

import assert from "node:assert/strict";
import type { SocketFactory } from "../../protocol/client/socket.ts";
import { fakeSockets } from "../../protocol/client/testing/socket.ts";
import { setupChat, welcome } from "./_model_testing.ts";
import { WELCOME_MS } from "./model.ts";

/** A fallback loader the test completes by hand. */
function loader() {
  const calls: { done(f: SocketFactory): void; failed(): void }[] = [];
  return {
    calls,
    fallback: (done: (f: SocketFactory) => void, failed: () => void) =>
      void calls.push({ done, failed }),
  };
}

Deno.test("the model loads the fallback after two attempts closed before welcome, and uses it", () => {
  const load = loader();
  const { model, sockets, clock } = setupChat({ fallback: load.fallback });
  model.start();
  sockets.last().serverClose(1006); // the upgrade was refused
  assert.equal(load.calls.length, 0, "one failure is not enough");
  clock.advance(500);
  sockets.last().open(); // opened, then refused before welcome: still a failure
  sockets.last().serverClose(1006);
  assert.equal(load.calls.length, 1);

  const fallback = fakeSockets();
  load.calls[0].done(fallback.factory);
  assert.equal(fallback.all.length, 1, "connects at once with the fallback");
  assert.equal(fallback.last().url, "ws://x/ws/visitor");
  fallback.last().open();
  assert.equal(fallback.last().sentOf("hello").length, 1);
  fallback.last().receive(welcome());
  assert.equal(model.status.value, "connected");

  // From then on every attempt is the fallback's, and nothing is loaded again.
  fallback.last().serverClose(1006);
  clock.advance(500);
  fallback.last().serverClose(1006);
  clock.advance(1000);
  fallback.last().serverClose(1006);
  clock.advance(2000);
  assert.equal(fallback.all.length, 4);
  assert.equal(sockets.all.length, 2);
  assert.equal(load.calls.length, 1);
  model.dispose();
});

Deno.test("an attempt without welcome within 5 s is dropped and counts as failed", () => {
  const load = loader();
  const { model, sockets, clock } = setupChat({ fallback: load.fallback });
  model.start();
  clock.advance(WELCOME_MS - 1);
  assert.equal(sockets.last().closedWith, undefined);
  clock.advance(1); // the upgrade hangs (a proxy holding it)
  assert.equal(sockets.all[0].closedWith, 4008);
  assert.equal(load.calls.length, 0);
  clock.advance(500);
  assert.equal(sockets.all.length, 2, "reconnected after the backoff");
  sockets.last().open(); // opened but no welcome either
  clock.advance(WELCOME_MS);
  assert.equal(load.calls.length, 1);
  model.dispose();
});

Deno.test("a welcome resets the count, and drops while offline do not count", () => {
  const load = loader();
  const { model, sockets, clock, connect } = setupChat({ fallback: load.fallback });
  model.start();
  sockets.last().serverClose(1006);
  clock.advance(500);
  connect(); // welcome
  clock.advance(WELCOME_MS * 2); // a connected socket is never dropped by the welcome timer
  assert.equal(sockets.all.length, 2);
  assert.equal(sockets.last().closedWith, undefined);
  sockets.last().serverClose(1012);
  clock.advance(500);
  sockets.last().serverClose(1006); // the first failure since the welcome
  assert.equal(load.calls.length, 0);
  model.offline();
  clock.advance(1000);
  model.online();
  model.offline();
  assert.equal(load.calls.length, 0, "the browser's own offline drops are not WebSocket failures");
  model.dispose();
});

Deno.test("a fallback chunk that failed to load is asked for again after the next failure", () => {
  const load = loader();
  const { model, sockets, clock } = setupChat({ fallback: load.fallback });
  model.start();
  sockets.last().serverClose(1006);
  clock.advance(500);
  sockets.last().serverClose(1006);
  assert.equal(load.calls.length, 1);
  load.calls[0].failed(); // offline, say
  clock.advance(1000);
  assert.equal(sockets.all.length, 3, "meanwhile the WebSocket is tried as before");
  sockets.last().serverClose(1006);
  assert.equal(load.calls.length, 2);
  model.dispose();
});

Deno.test("without a fallback the model never drops a slow attempt", () => {
  const { model, sockets, clock } = setupChat();
  model.start();
  clock.advance(60_000);
  assert.equal(sockets.all.length, 1);
  assert.equal(sockets.last().closedWith, undefined);
  model.dispose();
});

Deno.test("stopping the model mid-attempt loads nothing", () => {
  const load = loader();
  const { model, sockets, clock } = setupChat({ fallback: load.fallback });
  model.start();
  sockets.last().serverClose(1006);
  clock.advance(500);
  model.dispose(); // while the second attempt is connecting
  assert.equal(load.calls.length, 0);
});
