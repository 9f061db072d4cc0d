import assert from "node:assert/strict";
import { MemoryStorage, storageEvent } from "./_testing.ts";
import { createVisitorStore, parseSavedState } from "./outbox.ts";

const KEY = "parley:demo";

Deno.test("createVisitorStore() writes nothing until enable()", () => {
  const storage = new MemoryStorage();
  const store = createVisitorStore({ key: KEY, storage });
  store.setToken("t1");
  store.put({ clientId: "c1", body: "hi", createdAt: "2025-01-01T00:00:00Z" });
  assert.equal(storage.writes, 0);
  assert.equal(store.read().token, "t1");
  store.enable();
  assert.deepEqual(parseSavedState(storage.getItem(KEY)), {
    token: "t1",
    outbox: [{ clientId: "c1", body: "hi", createdAt: "2025-01-01T00:00:00Z" }],
  });
});

Deno.test("createVisitorStore() treats an existing key as consent and survives a reload", () => {
  const storage = new MemoryStorage();
  const first = createVisitorStore({ key: KEY, storage });
  first.enable();
  first.put({ clientId: "c1", body: "queued offline", createdAt: "2025-01-01T00:00:00Z" });
  const reloaded = createVisitorStore({ key: KEY, storage });
  assert.equal(reloaded.enabled, true);
  assert.deepEqual(reloaded.read().outbox.map((m) => m.body), ["queued offline"]);
  reloaded.remove("c1");
  assert.deepEqual(first.read().outbox, []);
});

Deno.test("createVisitorStore() merges with another tab's writes instead of overwriting", () => {
  const storage = new MemoryStorage();
  const a = createVisitorStore({ key: KEY, storage });
  a.enable();
  const b = createVisitorStore({ key: KEY, storage });
  a.put({ clientId: "a", body: "from A", createdAt: "2025-01-01T00:00:00Z" });
  b.put({ clientId: "b", body: "from B", createdAt: "2025-01-01T00:00:01Z" });
  assert.deepEqual(a.read().outbox.map((m) => m.clientId), ["a", "b"]);
});

Deno.test("createVisitorStore().subscribe() reports other tabs' changes to this key only", () => {
  const storage = new MemoryStorage();
  const events = new EventTarget();
  const store = createVisitorStore({ key: KEY, storage, events });
  store.enable();
  const seen: string[] = [];
  const stop = store.subscribe((s) => seen.push(s.token ?? "none"));
  storage.setItem(KEY, JSON.stringify({ token: "t2", outbox: [] }));
  events.dispatchEvent(storageEvent(KEY));
  events.dispatchEvent(storageEvent("other"));
  stop();
  events.dispatchEvent(storageEvent(KEY));
  assert.deepEqual(seen, ["t2"]);
});

Deno.test("createVisitorStore().clear() forgets everything and stops writing", () => {
  const storage = new MemoryStorage();
  const store = createVisitorStore({ key: KEY, storage });
  store.enable();
  store.setToken("t1");
  store.clear();
  assert.equal(storage.getItem(KEY), null);
  store.setToken("t2");
  assert.equal(storage.getItem(KEY), null);
});

Deno.test("createVisitorStore() works without storage (blocked) and with throwing storage", () => {
  const memoryOnly = createVisitorStore({ key: KEY, storage: null });
  memoryOnly.enable();
  memoryOnly.setToken("t");
  assert.equal(memoryOnly.read().token, "t");
  const throwing = {
    getItem(): string | null {
      throw new DOMException("blocked", "SecurityError");
    },
    setItem() {
      throw new DOMException("quota", "QuotaExceededError");
    },
    removeItem() {},
  };
  const store = createVisitorStore({ key: KEY, storage: throwing });
  store.enable();
  store.setToken("t");
  store.put({ clientId: "c", body: "kept in memory", createdAt: "2025-01-01T00:00:00Z" });
  assert.equal(store.read().token, "t");
  assert.equal(store.read().outbox.length, 1);
});

Deno.test("parseSavedState() reads malformed storage as empty", () => {
  assert.deepEqual(parseSavedState("{not json"), { token: null, outbox: [] });
  assert.deepEqual(parseSavedState('{"token":5,"outbox":[{"clientId":1}]}'), {
    token: null,
    outbox: [],
  });
});

Deno.test("createVisitorStore().setLive() is kept across other writes and read back", () => {
  const storage = new MemoryStorage();
  const store = createVisitorStore({ key: KEY, storage });
  store.enable();
  store.setLive(true);
  store.setToken("t1");
  store.put({ clientId: "c1", body: "hi", createdAt: "2025-01-01T00:00:00Z" });
  // The loader reads the flag straight from storage.
  assert.equal(JSON.parse(storage.getItem(KEY)!).live, true);
  assert.equal(createVisitorStore({ key: KEY, storage }).read().live, true);
  store.setLive(false);
  assert.equal(JSON.parse(storage.getItem(KEY)!).live, false);
  assert.equal(parseSavedState(storage.getItem(KEY)).live, undefined);
  assert.equal(parseSavedState('{"live":"yes"}').live, undefined);
});
