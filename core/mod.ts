/**
 * The real-time core, assembled: registry, presence, the chat commands and their projection,
 * fan-out and the sweep timer.
 * It knows nothing about HTTP; the routes hand it sockets adapted to {@link Peer}.
 *
 * @module
 */

import type { Store } from "../db/store.ts";
import { openAgentSocket } from "./sockets/agent_socket.ts";
import type { Bus } from "./cluster/bus.ts";
import { type Actor, ChatCommands, type VisitorContext } from "./chat/commands.ts";
import { ChatProjection } from "./chat/projection.ts";
import type { ChatAlerts } from "./chat/alerts.ts";
import type { CoreOptions } from "./options.ts";
import { CloseCode } from "../protocol/codes.ts";
import { startFanout } from "./chat/fanout.ts";
import { InFlight } from "./sockets/in_flight.ts";
import type { Logger } from "./log.ts";
import type { Peer } from "./sockets/peer.ts";
import { createLocalPresence, type Presence } from "./chat/presence.ts";
import { KeyedLimiter } from "./rate_limit.ts";
import { Registry } from "./sockets/registry.ts";
import { startSessionWatch } from "./accounts/session_watch.ts";
import { startSweeper } from "./sockets/sweeper.ts";
import type { VisitorTokenSigner } from "./accounts/tokens.ts";
import type { ResumeTokens } from "./accounts/resume_tokens.ts";
import type { SocketHandlers, VisitorTranscripts } from "./sockets/socket.ts";
import { openVisitorSocket } from "./sockets/visitor_socket.ts";
import { TypingCoalescer } from "./chat/typing_coalescer.ts";
import { MetricsRegistry } from "./metrics.ts";
import { type ChatMetrics, createChatMetrics } from "./metrics_chat.ts";
import { Organiser } from "./organise/mod.ts";

export type { Actor, ChatMetrics, CoreOptions, SocketHandlers, VisitorContext };
export { ChatCommands, ChatProjection };

/** Collaborators of the core. */
export interface CoreDeps {
  store: Store;
  bus: Bus;
  signer: VisitorTokenSigner;
  /** Checks the resume tokens of emailed links (`#parley=`); absent: `hello` refuses them. */
  resume?: ResumeTokens;
  options: CoreOptions;
  log: Logger;
  /** New conversations allowed per IP per hour. */
  newConversationsPerHour: number;
  /** Whether the session stored under this hash is still valid (see `session_watch.ts`). */
  sessionValid(sessionHash: string): Promise<boolean>;
  /** Presence implementation; defaults to this instance's registry. */
  presence?: (registry: Registry) => Presence;
  /**
   * Where the core registers its metrics (`metrics_chat.ts`); absent: a registry of its own that
   * nobody scrapes (tests).
   */
  metrics?: MetricsRegistry;
  /** Told of what agents may be emailed about (`chat/alerts.ts`); absent: nothing is. */
  alerts?: ChatAlerts;
  /** Transcripts visitors ask for (`transcript` frame); absent: refused (no SMTP). */
  transcripts?: VisitorTranscripts;
  /** Told the time (ms) of every snooze set here (the wake-up runner, `chat/snooze_wake.ts`). */
  onSnoozed?: (at: number) => void;
}

/** The running core. */
export interface Core {
  readonly registry: Registry;
  readonly presence: Presence;
  /** The domain operations (persist, then publish). */
  readonly commands: ChatCommands;
  /** The read model: what visitors and agents may see, shaped for the wire. */
  readonly projection: ChatProjection;
  /** Labels and priorities (`organise/mod.ts`). */
  readonly organiser: Organiser;
  /** What the core counts: messages, acks, errors (sockets are read at scrape time). */
  readonly metrics: ChatMetrics;
  /** Attaches the protocol to a new visitor socket. */
  openVisitor(peer: Peer, ctx: VisitorContext): SocketHandlers;
  /** Attaches the protocol to an agent socket opened by the session stored under `sessionHash`. */
  openAgent(
    peer: Peer,
    agent: { id: string; name: string; role: "admin" | "agent"; sites: readonly string[] },
    sessionHash: string,
  ): SocketHandlers;
  /** Closes every socket with 1012 (service restart) so clients reconnect elsewhere. */
  closeAll(reason: string): void;
  /** Resolves when no frame is being handled (or after `timeoutMs`); true when drained. */
  idle(timeoutMs: number): Promise<boolean>;
  /**
   * Resolves once no frame or socket close is being handled and the fan-out has handled every
   * event received so far (or after `timeoutMs` for the frames). Tests wait on it; a shutdown
   * waits on {@link Core.idle} alone.
   */
  settled(timeoutMs?: number): Promise<void>;
  /** Stops timers and the fan-out. */
  stop(): void;
}

/** Builds and starts the core. */
export function createCore(deps: CoreDeps): Core {
  const { store, bus, options, log } = deps;
  const registry = new Registry();
  const metrics = createChatMetrics(deps.metrics ?? new MetricsRegistry(), registry);
  const presence = (deps.presence ?? createLocalPresence)(registry);
  const newConversations = new KeyedLimiter(deps.newConversationsPerHour, 3_600_000);
  // Per visitor, not per socket: a visitor may open many sockets with one token.
  const profileUpdates = new KeyedLimiter(options.profileUpdatesPerMinute, 60_000);
  const projection = new ChatProjection({ store, presence });
  const typingCoalescer = new TypingCoalescer(
    (err) => log.warn("typing notice failed", { err: String(err) }),
    options.typingCoalesceMs,
  );
  const commands = new ChatCommands({
    store,
    bus,
    presence,
    projection,
    signer: deps.signer,
    ...(deps.resume ? { resume: deps.resume } : {}),
    newConversations,
    typingCoalescer,
    log,
    messagesStored: metrics.messagesStored,
    ...(deps.alerts ? { alerts: deps.alerts } : {}),
    ...(deps.onSnoozed ? { onSnoozed: deps.onSnoozed } : {}),
  });
  // The fan-out sees the projection only: commands reach it through the bus, never directly.
  const fanout = startFanout({
    bus,
    projection,
    registry,
    presence,
    log,
    messagesRelayed: metrics.messagesRelayed,
  });
  const stopSweeper = startSweeper({
    registry,
    bus,
    commands,
    options,
    log,
    prune: () => {
      newConversations.prune();
      profileUpdates.prune();
    },
  });
  const stopSessionWatch = startSessionWatch({
    registry,
    bus,
    log,
    valid: deps.sessionValid,
    everyMs: options.sessionCheckMs,
  });
  const inFlight = new InFlight();
  const delivered = fanout.delivered;
  const socketDeps = {
    commands,
    projection,
    bus,
    registry,
    presence,
    options,
    log,
    inFlight,
    delivered,
    profileUpdates,
    metrics,
    ...(deps.transcripts ? { transcripts: deps.transcripts } : {}),
  };
  return {
    registry,
    presence,
    commands,
    projection,
    organiser: new Organiser({ store, bus, projection }),
    metrics,
    openVisitor: (peer, ctx) => openVisitorSocket(socketDeps, peer, ctx),
    openAgent: (peer, agent, hash) => openAgentSocket(socketDeps, peer, agent, hash),
    closeAll(reason) {
      for (const conn of [...registry.all]) conn.peer.close(CloseCode.ServiceRestart, reason);
    },
    idle: (timeoutMs) => inFlight.idle(timeoutMs),
    async settled(timeoutMs = 5_000) {
      await inFlight.idle(timeoutMs);
      await fanout.settled();
    },
    stop() {
      stopSessionWatch();
      stopSweeper();
      typingCoalescer.stop();
      fanout.stop();
    },
  };
}
