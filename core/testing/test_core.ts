/**
 * The real-time core assembled in-process for tests: {@link createCore} on a real store (embedded
 * PGlite, one per test file because booting it costs seconds), an in-process bus that a test can
 * hold events on, and fake peers standing in for sockets. Nothing listens on a port.
 *
 * @module
 */

import { createStore, type DbStore, type Site } from "../../db/mod.ts";
import type { AgentRecord, NewAgent } from "../../db/store.ts";
import type { AgentClientFrame, VisitorClientFrame } from "../../protocol/frames.ts";
import { type Bus, type BusEvent, createLocalBus } from "../cluster/bus.ts";
import { createVisitorTokenSigner } from "../accounts/tokens.ts";
import { silentLogger } from "../log.ts";
import { type Core, type CoreOptions, createCore, type SocketHandlers } from "../mod.ts";
import { FakePeer, type Frame, type Matcher } from "./fake_peer.ts";

/**
 * Opens a PGlite store in a temporary directory for one test file. Its cases share it (each
 * makes its own site, agents and visitors); the directory is removed when the process unloads.
 */
export async function openTestStore(): Promise<DbStore> {
  const dir = await Deno.makeTempDir({ prefix: "parley_core_test_" });
  const store = await createStore({ dataDir: dir });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone, or still locked on an odd platform: a temp dir is harmless.
    }
  });
  return store;
}

/** Tunables for tests: timers long enough never to fire on their own during a case. */
export const TEST_OPTIONS: CoreOptions = {
  heartbeatMs: 60_000,
  heartbeatTimeoutMs: 120_000,
  typingTimeoutMs: 60_000,
  team: { name: "Test team", replyTime: "soon" },
  messagesPerSecond: 50,
  messageBurst: 100,
  framesPerSecond: 100,
  frameBurst: 200,
  sessionCheckMs: 600_000,
  profileUpdatesPerMinute: 1000,
};

/** A bus that can hold back the `message` events matching a test's predicate. */
export interface HoldingBus extends Bus {
  /** Holds matching message events (never delivered to listeners); returns them as they come. */
  hold(match: (e: Extract<BusEvent, { kind: "message" }>) => boolean): BusEvent[];
}

/** The in-process bus, with {@link HoldingBus.hold}. */
export function createHoldingBus(): HoldingBus {
  const inner = createLocalBus();
  const holds: {
    match: (e: Extract<BusEvent, { kind: "message" }>) => boolean;
    held: BusEvent[];
  }[] = [];
  return {
    ...inner,
    publish(event) {
      for (const h of holds) {
        if (event.kind === "message" && h.match(event)) {
          // Like a doorbell lost in transit: the publisher is done, nobody hears it.
          h.held.push(event);
          return Promise.resolve();
        }
      }
      return inner.publish(event);
    },
    hold(match) {
      const held: BusEvent[] = [];
      holds.push({ match, held });
      return held;
    },
  };
}

/** A fake socket attached to the core. */
export interface TestSocket<C> extends AsyncDisposable {
  readonly peer: FakePeer;
  readonly handlers: SocketHandlers;
  /** Sends a frame (a string is sent as is, for malformed input). */
  send(frame: C | string): void;
  /** Shorthand for `peer.next`. */
  next(type: string, fields?: Matcher, timeoutMs?: number): Promise<Frame>;
  /** Closes the socket from the client side. */
  close(): void;
}

/** An agent's socket, after its `welcome`. */
export interface TestAgent extends TestSocket<AgentClientFrame> {
  readonly agent: AgentRecord;
  readonly welcome: Frame;
}

/** A visitor's socket, after its `welcome`. */
export interface TestVisitor extends TestSocket<VisitorClientFrame> {
  readonly visitorId: string;
  readonly welcome: Frame;
}

/** One core on the shared store, with its own site; dispose it to stop everything it started. */
export interface TestCore extends AsyncDisposable {
  readonly core: Core;
  readonly store: DbStore;
  readonly bus: HoldingBus;
  /** A site of this core's own (auto-assignment off). */
  readonly site: Site;
  /** Creates an agent account (fields of `account` override the defaults) and connects it. */
  agent(name?: string, account?: Partial<NewAgent>): Promise<TestAgent>;
  /** Opens a socket for an existing agent, as the session stored under `sessionHash`. */
  connect(agent: AgentRecord, sessionHash?: string): Promise<TestAgent>;
  /** Opens a visitor socket on this core's site and says hello. */
  visitor(): Promise<TestVisitor>;
  /** Opens a raw visitor socket (no hello sent). */
  visitorSocket(): TestSocket<VisitorClientFrame>;
}

/** Starts a core on `store`; `options` override {@link TEST_OPTIONS}. */
export async function startTestCore(
  store: DbStore,
  options: Partial<CoreOptions> = {},
): Promise<TestCore> {
  const bus = createHoldingBus();
  const core = createCore({
    store,
    bus,
    log: silentLogger,
    signer: createVisitorTokenSigner("test-secret", 3600),
    options: { ...TEST_OPTIONS, ...options },
    newConversationsPerHour: 1000,
    sessionValid: () => Promise.resolve(true),
  });
  const suffix = crypto.randomUUID().slice(0, 8);
  const site = await store.upsertSite({ id: `site-${suffix}`, name: `Shop ${suffix}` });
  const sockets = new Set<TestSocket<unknown>>();

  function socket<C>(peer: FakePeer, handlers: SocketHandlers): TestSocket<C> {
    const s: TestSocket<C> = {
      peer,
      handlers,
      send(frame) {
        handlers.onText(typeof frame === "string" ? frame : JSON.stringify(frame));
      },
      next: (type, fields, timeoutMs) => peer.next(type, fields, timeoutMs),
      close() {
        sockets.delete(s);
        handlers.onClose();
      },
      [Symbol.asyncDispose]() {
        s.close();
        return Promise.resolve();
      },
    };
    sockets.add(s);
    return s;
  }

  async function connect(agent: AgentRecord, sessionHash = "session-hash"): Promise<TestAgent> {
    const peer = new FakePeer();
    const s = socket<AgentClientFrame>(peer, core.openAgent(peer, agent, sessionHash));
    const welcome = await peer.next("welcome");
    return Object.assign(s, { agent, welcome });
  }

  function visitorSocket(): TestSocket<VisitorClientFrame> {
    const peer = new FakePeer();
    return socket<VisitorClientFrame>(
      peer,
      core.openVisitor(peer, { ip: "203.0.113.7", origin: null, userAgent: "test" }),
    );
  }

  return {
    core,
    store,
    bus,
    site,
    visitorSocket,
    async agent(name = `Agent ${crypto.randomUUID().slice(0, 6)}`, account = {}) {
      const agent = await store.createAgent({
        email: `${crypto.randomUUID().slice(0, 12)}@example.com`,
        name,
        passwordHash: "unused",
        role: "agent",
        ...account,
      });
      return await connect(agent);
    },
    connect,
    async visitor() {
      const s = visitorSocket();
      s.send({ type: "hello", site: site.id });
      const welcome = await s.next("welcome");
      const visitorId = (welcome.visitor as { id: string }).id;
      return Object.assign(s, { visitorId, welcome });
    },
    async [Symbol.asyncDispose]() {
      for (const s of [...sockets]) s.close();
      await core.settled();
      core.stop();
      await bus.close();
    },
  };
}
