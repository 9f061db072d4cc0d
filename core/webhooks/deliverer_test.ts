import assert from "node:assert/strict";
import { silentLogger } from "../log.ts";
import type { AttemptOutcome, ClaimedDelivery } from "../../db/sql_webhooks.ts";
import type { Db } from "../../db/driver.ts";
import { type Outbox, WebhookDeliverer } from "./deliverer.ts";
import { WebhookRequestError } from "./http_post.ts";
import { verifySignature } from "./signature.ts";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-12-01T12:00:00.000Z");

/** An outbox holding `deliveries`, each claimed once, recording what `finish` is told. */
function fakeOutbox(deliveries: ClaimedDelivery[]) {
  const finished: { id: string; attempt: number; outcome: AttemptOutcome }[] = [];
  const released: { id: string; attempt: number }[] = [];
  let waiters: (() => void)[] = [];
  const outbox: Outbox = {
    driver: {
      listen: () => Promise.resolve(() => Promise.resolve()),
    } as unknown as Db,
    claim: () => Promise.resolve(deliveries.splice(0)),
    finish: (id, attempt, outcome) => {
      finished.push({ id, attempt, outcome });
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
      return Promise.resolve(true);
    },
    release: (leases) => {
      released.push(...leases);
      return Promise.resolve();
    },
    msUntilNextDue: () => Promise.resolve(null),
    pruneFinished: () => Promise.resolve(0),
  };
  const settled = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => finished.length >= n ? resolve() : waiters.push(check);
      check();
    });
  return { outbox, finished, released, settled };
}

function delivery(over: Partial<ClaimedDelivery> = {}): ClaimedDelivery {
  return {
    id: "d1",
    endpointId: "e1",
    url: "https://hooks.example.com/in",
    secret: "whsec_k",
    eventId: "ev1",
    type: "message.created",
    siteId: "shop",
    data: { conversationId: "c1" },
    eventAt: new Date(NOW - 1000).toISOString(),
    attempt: 1,
    createdAt: new Date(NOW - 1000).toISOString(),
    ...over,
  };
}

function deliverer(
  outbox: Outbox,
  post: ConstructorParameters<typeof WebhookDeliverer>[0]["post"],
) {
  return new WebhookDeliverer({
    store: outbox,
    log: silentLogger,
    allowPrivate: false,
    timeoutMs: 1000,
    retryBaseMs: 10_000,
    pollMs: 60_000,
    now: () => NOW,
    post,
  });
}

Deno.test("WebhookDeliverer sends the payload signed with the event's headers, and a 2xx is delivered", async () => {
  const { outbox, finished, settled } = fakeOutbox([delivery()]);
  const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  const d = deliverer(outbox, (url, headers, body) => {
    sent.push({ url: url.href, headers, body });
    return Promise.resolve({ status: 202 });
  });
  await d.start();
  await settled(1);
  await d.stop();
  assert.deepEqual(finished, [{
    id: "d1",
    attempt: 1,
    outcome: { kind: "delivered", status: 202 },
  }]);
  assert.equal(sent[0].url, "https://hooks.example.com/in");
  assert.deepEqual(JSON.parse(sent[0].body), {
    id: "ev1",
    type: "message.created",
    createdAt: new Date(NOW - 1000).toISOString(),
    siteId: "shop",
    data: { conversationId: "c1" },
  });
  assert.equal(sent[0].headers["X-Parley-Event"], "message.created");
  assert.equal(sent[0].headers["X-Parley-Delivery"], "ev1");
  const ok = await verifySignature(sent[0].headers["X-Parley-Signature"], sent[0].body, "whsec_k", {
    nowSeconds: NOW / 1000,
  });
  assert.ok(ok);
});

Deno.test("WebhookDeliverer retries a failure with backoff, and marks it failed a day after the event", async () => {
  const fresh = delivery({ id: "fresh", attempt: 3 });
  const old = delivery({
    id: "old",
    attempt: 30,
    createdAt: new Date(NOW - 24 * HOUR).toISOString(),
  });
  const last = delivery({
    id: "last",
    attempt: 20,
    createdAt: new Date(NOW - 24 * HOUR + 60_000).toISOString(),
  });
  const { outbox, finished, settled } = fakeOutbox([fresh, old, last]);
  const d = deliverer(
    outbox,
    (url) =>
      url.href.includes("hooks")
        ? Promise.resolve({ status: 500 })
        : Promise.reject(new WebhookRequestError("connect", "no")),
  );
  await d.start();
  await settled(3);
  await d.stop();
  const by = (id: string) => finished.find((f) => f.id === id)!.outcome;
  const retry = by("fresh");
  assert.equal(retry.kind, "retry");
  if (retry.kind === "retry") {
    // Third attempt: base 10 s doubled twice, half of it random.
    const wait = retry.retryAt.getTime() - NOW;
    assert.ok(wait >= 20_000 && wait <= 40_000, String(wait));
    assert.equal(retry.status, 500);
    assert.equal(retry.error, "HTTP 500");
  }
  assert.deepEqual(by("old"), { kind: "failed", status: 500, error: "HTTP 500" });
  // Never scheduled past the window's end: the last attempt falls on it.
  const lastTry = by("last");
  assert.equal(lastTry.kind, "retry");
  if (lastTry.kind === "retry") assert.ok(lastTry.retryAt.getTime() - NOW <= 60_000);
});

Deno.test("WebhookDeliverer.retryDelay() doubles from the base up to an hour", () => {
  const d = deliverer(fakeOutbox([]).outbox, () => Promise.resolve({ status: 200 }));
  for (const [attempt, full] of [[1, 10_000], [2, 20_000], [5, 160_000], [12, HOUR], [40, HOUR]]) {
    const wait = d.retryDelay(attempt);
    assert.ok(wait >= full / 2 && wait <= full, `${attempt}: ${wait}`);
  }
});

Deno.test("WebhookDeliverer.stop() abandons a request in flight and gives its delivery back", async () => {
  const { outbox, finished, released } = fakeOutbox([delivery({ attempt: 2 })]);
  let started!: () => void;
  const inFlight = new Promise<void>((r) => started = r);
  const d = deliverer(outbox, (_url, _headers, _body, opts) => {
    started();
    return new Promise((_, reject) =>
      opts.signal?.addEventListener(
        "abort",
        () => reject(new WebhookRequestError("aborted", "Stopped")),
      )
    );
  });
  await d.start();
  await inFlight;
  await d.stop();
  assert.deepEqual(finished, []);
  assert.deepEqual(released, [{ id: "d1", attempt: 2 }]);
});
