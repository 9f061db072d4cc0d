/**
 * The cross-instance {@link Bus} over Postgres LISTEN/NOTIFY. Events published here reach this
 * instance's listeners at once, with their full payload, and travel to other instances as
 * doorbells (ids and seqs, see `bus_wire.ts`), many per NOTIFY: one NOTIFY per event-loop turn
 * at most, and while one is in flight the next batch accumulates. Receivers read the messages a
 * batch announces in one query.
 *
 * Nothing is lost when a notification is: every instance numbers its batches and sends one at
 * least every `heartbeatMs`, so a receiver notices a gap, a reconnect of the LISTEN connection
 * (`onListen` runs again) or a silent listener (its own batches stop coming back), and catches
 * up: it reads the conversations changed since it was last known to hear everything and
 * delivers the messages it has not delivered yet ({@link SeqTracker}). A silent listener is also
 * moved to a new connection (`Db.resetListener`).
 *
 * @module
 */

import type { Message } from "../../protocol/frames.ts";
import type { Db, Queryable } from "../../db/driver.ts";
import type { ChangedConversation, MessageRange } from "../../db/sql_cluster.ts";
import type { Bus, BusEvent, BusListener } from "./bus.ts";
import {
  type AgentState,
  decodeBatch,
  encodeBatch,
  encodeControl,
  encodeEvent,
  MAX_PAYLOAD_BYTES,
  utf8Length,
  type WireBatch,
} from "./bus_wire.ts";
import type { Logger } from "../log.ts";
import { SeqTracker } from "./seq_tracker.ts";

/** The reads the bus needs (implemented by `db/sql_cluster.ts`). */
export interface BusReader {
  /** The database clock, epoch ms. */
  now(): Promise<number>;
  /** Messages of several ranges, ascending per conversation. */
  messagesInRanges(ranges: MessageRange[], createdAfterMs?: number): Promise<Message[]>;
  /** Conversations updated after `sinceMs` (database clock). */
  changedConversations(sinceMs: number): Promise<ChangedConversation[]>;
}

/** How presence rides on the bus (implemented by `shared_presence.ts`). */
export interface PresenceLink {
  /** This instance's state of an agent, attached to its `agent` doorbell. */
  localAgent(agentId: string): AgentState;
  /** Whether the visitor has a tab on this instance, attached to its `visitor` doorbell. */
  localVisitor(visitorId: string): boolean;
  /** Applies another instance's agent state, just before its event is delivered. */
  remoteAgent(instanceId: string, agentId: string, state: AgentState): void;
  /** Applies another instance's visitor state, just before its event is delivered. */
  remoteVisitor(instanceId: string, visitorId: string, connected: boolean): void;
  /** Another instance left or died. */
  instanceGone(instanceId: string): void;
  /** Another instance re-registered: re-read its presence rows. */
  reloadInstance(instanceId: string): void;
  /** True when presence rows wait to be written. */
  hasPendingWrites(): boolean;
  /**
   * Writes pending presence rows in the transaction that rings the matching doorbells, so a
   * snapshot never lags the events; returns a function to call once committed.
   */
  writePending(tx: Queryable): Promise<() => void>;
}

/** Options of {@link PgBus}. */
export interface PgBusOptions {
  db: Db;
  reader: BusReader;
  /** Unique per process. */
  instanceId: string;
  log: Logger;
  /** Notification channel (default `parley_events`). */
  channel?: string;
  /** Idle batches are sent this often; a listener silent for 3 of them is re-established. */
  heartbeatMs?: number;
  /** Extra history a catch-up re-reads, for clock differences (default 5 s). */
  catchUpMarginMs?: number;
}

/** Entries kept while the database is unreachable; beyond this they are dropped (and caught up). */
const MAX_QUEUE = 20_000;

const NOTIFY_MANY = `SELECT pg_notify($1, p) FROM (
  SELECT p FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i
) s`;

/** The channel the servers' buses share unless told otherwise (the admin CLI notifies it too). */
export const BUS_CHANNEL = "parley_events";

/** A {@link Bus} carried by Postgres LISTEN/NOTIFY. Call {@link PgBus.start} first. */
export class PgBus implements Bus {
  readonly instanceId: string;
  readonly #db: Db;
  readonly #reader: BusReader;
  readonly #log: Logger;
  readonly #channel: string;
  readonly #heartbeatMs: number;
  readonly #marginMs: number;
  readonly #listeners = new Set<BusListener>();
  readonly #resyncListeners = new Set<() => void>();
  readonly #tracker = new SeqTracker();
  #link: PresenceLink | null = null;

  // Sending.
  #queue: string[] = [];
  #unsent: string[] = [];
  /** The unsent payloads include a heartbeat (always sent, even when alone). */
  #unsentHeartbeat = false;
  #n = 0;
  #dropped = false;
  #scheduled = false;
  #pumping: Promise<void> | null = null;
  #lastSentAt = 0;
  #backoffMs = 0;

  // Receiving.
  #lastN = new Map<string, number>();
  /** Other live instances (heard from, or in the presence snapshot). None: NOTIFY is skipped. */
  #peers = new Set<string>();
  #selfPrefix: string;
  #inbox: Promise<void> = Promise.resolve();
  #unlisten: (() => Promise<void>) | null = null;
  #listens = 0;
  #offsetMs = 0;
  /** Local time up to which every notification is known to have arrived. */
  #healthyAt = 0;
  #lastSelfHeard = 0;
  #resyncing = false;
  /**
   * Why catch-ups were asked for since the last pass started. A pass logs every reason it covers,
   * so a request that arrives while another pass runs (a listen re-established during a gap
   * catch-up) is still named in the log.
   */
  readonly #resyncReasons = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #warnedAt = new Map<string, number>();

  /** Creates the bus; nothing happens until {@link PgBus.start}. */
  constructor(opts: PgBusOptions) {
    this.instanceId = opts.instanceId;
    this.#db = opts.db;
    this.#reader = opts.reader;
    this.#log = opts.log;
    this.#channel = opts.channel ?? BUS_CHANNEL;
    this.#heartbeatMs = opts.heartbeatMs ?? 2000;
    this.#marginMs = opts.catchUpMarginMs ?? 5000;
    this.#selfPrefix = `{"v":1,"i":${JSON.stringify(this.instanceId)},"n":`;
  }

  /** Listens on the channel and measures the database clock. */
  async start(): Promise<void> {
    const before = Date.now();
    const dbNow = await this.#reader.now();
    this.#offsetMs = dbNow - (before + Date.now()) / 2;
    await this.#listen();
    this.#healthyAt = this.#lastSelfHeard = Date.now();
    this.#timer = setInterval(() => this.#tick(), this.#heartbeatMs);
    // Say hello at once, so running instances start ringing us without waiting a heartbeat.
    this.#unsent = this.#pack([]);
    this.#unsentHeartbeat = true;
    this.#flushNow();
  }

  /**
   * Records instances known to be alive (from the presence snapshot). With none, batches are
   * numbered but not sent (a lone instance has nobody to ring), apart from heartbeats; an
   * instance that appears sees the skipped numbers as a gap and catches up from the tables.
   */
  notePeers(instanceIds: Iterable<string>): void {
    for (const id of instanceIds) if (id !== this.instanceId) this.#peers.add(id);
  }

  /** Connects presence (see {@link PresenceLink}). */
  attach(link: PresenceLink): void {
    this.#link = link;
  }

  /** Delivers here at once; rings the other instances on the next flush. */
  publish(event: BusEvent): Promise<void> {
    if (event.kind === "message") this.#tracker.mark(event.conversationId, event.seq);
    this.#emitSoon(event);
    const link = this.#link;
    const state = event.kind === "agent" && link
      ? { agent: link.localAgent(event.agentId) }
      : event.kind === "visitor" && link
      ? { visitorConnected: link.localVisitor(event.visitorId) }
      : {};
    this.#enqueue(encodeEvent(event, state));
    return Promise.resolve();
  }

  /** Delivers an event to this instance only (e.g. presence changes it derived itself). */
  deliverLocal(event: BusEvent): void {
    this.#emitSoon(event);
  }

  /** Tells the other instances that `instanceId` is gone, or to reload this one's presence. */
  sendControl(c: { kind: "gone"; instanceId: string } | { kind: "reload" }): void {
    if (c.kind === "gone") this.#peers.delete(c.instanceId);
    this.#enqueue(encodeControl(c));
  }

  /** See {@link Bus.subscribe}. */
  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs after each catch-up (a reconnect, or a gap in another instance's batches). */
  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  /** Sends what is queued (waiting at most 2 s), then stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#flushNow(),
      new Promise((r) => timer = setTimeout(r, 2000)),
    ]);
    clearTimeout(timer);
    this.#closed = true;
    this.#listeners.clear();
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    await unlisten?.().catch(() => {});
  }

  /** Forces a catch-up now (used when an instance is found dead: its last doorbells may be lost). */
  resync(reason: string): void {
    if (this.#closed) return;
    this.#resyncReasons.add(reason);
    if (this.#resyncing) return;
    this.#resyncing = true;
    this.#inbox = this.#inbox.then(() => this.#catchUp());
  }

  // ---------------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------------

  #enqueue(entry: string): void {
    if (this.#closed) return;
    if (this.#queue.length >= MAX_QUEUE) {
      // Receivers see the skipped batch number and catch up from the tables.
      this.#dropped = true;
      return;
    }
    this.#queue.push(entry);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#pumping) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      this.#flushNow();
    }, 0);
  }

  #flushNow(): Promise<void> {
    return this.#pumping ??= this.#pump().finally(() => {
      this.#pumping = null;
      if (this.#queue.length > 0 && !this.#closed) this.#schedule();
    });
  }

  async #pump(): Promise<void> {
    while (!this.#closed) {
      if (this.#unsent.length === 0) {
        if (this.#queue.length === 0 && !this.#link?.hasPendingWrites()) return;
        this.#unsent = this.#pack(this.#queue.splice(0));
      }
      try {
        const ring = this.#unsentHeartbeat || this.#peers.size > 0;
        const rang = await this.#send(this.#unsent, ring);
        this.#unsent = [];
        this.#unsentHeartbeat = false;
        this.#backoffMs = 0;
        // Only a NOTIFY comes back to our listener: a batch that rang nobody must not count as
        // sent, or steady traffic on a lone instance holds the heartbeat back and the silence
        // check in #tick mistakes the missing echoes for a dead listener.
        if (rang) this.#lastSentAt = Date.now();
      } catch (err) {
        this.#backoffMs = Math.min(2000, Math.max(50, this.#backoffMs * 2));
        this.#warn("send", "bus notify failed; retrying", err);
        await new Promise((r) => setTimeout(r, this.#backoffMs));
      }
    }
  }

  /** Splits entries into numbered payloads under the size limit (an empty list: a heartbeat). */
  #pack(entries: string[]): string[] {
    if (this.#dropped) {
      this.#dropped = false;
      this.#n++;
    }
    const now = Date.now();
    const payloads: string[] = [];
    let part: string[] = [];
    let bytes = 0;
    for (const e of entries) {
      const size = utf8Length(e) + 1;
      if (part.length > 0 && bytes + size > MAX_PAYLOAD_BYTES - 120) {
        payloads.push(encodeBatch(this.instanceId, ++this.#n, now, part));
        part = [];
        bytes = 0;
      }
      part.push(e);
      bytes += size;
    }
    payloads.push(encodeBatch(this.instanceId, ++this.#n, now, part));
    return payloads;
  }

  /** Writes pending presence and sends the payloads when `ring`; true when a NOTIFY went out. */
  async #send(payloads: string[], ring: boolean): Promise<boolean> {
    const link = this.#link;
    if (link?.hasPendingWrites()) {
      let committed = () => {};
      await this.#db.transaction(async (tx) => {
        committed = await link.writePending(tx);
        if (ring) await tx.query(NOTIFY_MANY, [this.#channel, payloads]);
      });
      committed();
    } else if (!ring) {
      return false;
    } else if (payloads.length === 1) {
      await this.#db.notify(this.#channel, payloads[0]);
    } else {
      await this.#db.query(NOTIFY_MANY, [this.#channel, payloads]);
    }
    return ring;
  }

  #tick(): void {
    if (this.#closed) return;
    const now = Date.now();
    if (now - this.#lastSentAt >= this.#heartbeatMs && !this.#pumping) {
      // An empty batch: lets others notice a gap, and us notice a silent listener.
      if (this.#unsent.length === 0) this.#unsent = this.#pack([]);
      this.#unsentHeartbeat = true;
      this.#flushNow();
    }
    const silentFor = now - this.#lastSelfHeard;
    if (silentFor > 3 * this.#heartbeatMs && this.#lastSentAt > this.#lastSelfHeard) {
      this.#lastSelfHeard = now; // one attempt per silent period
      this.#warn("listen", "bus listener went silent; listening again");
      // What the silent listener missed is in the tables: deliver it now, not once a new
      // listener is up (that may take a while, and its own catch-up covers the rest).
      this.resync("listener silent");
      if (this.#db.resetListener) {
        // The connection may be cut off without a reset: LISTEN sent on it again would wait
        // as long as it does. A new connection re-subscribes, and onListen catches up again.
        this.#db.resetListener();
      } else {
        this.#relisten().catch((err) => this.#warn("relisten", "re-listen failed", err));
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Receiving
  // ---------------------------------------------------------------------------------------

  async #listen(): Promise<void> {
    this.#unlisten = await this.#db.listen(
      this.#channel,
      (payload) => this.#onNotify(payload),
      () => {
        // The first listen is the start; every later one follows a reconnect.
        if (this.#listens++ > 0) this.resync("listen re-established");
      },
    );
  }

  async #relisten(): Promise<void> {
    const old = this.#unlisten;
    this.#unlisten = null;
    // A dead connection may never answer UNLISTEN; do not wait for it.
    old?.().catch(() => {});
    await this.#listen();
  }

  #onNotify(payload: string): void {
    if (this.#closed) return;
    if (payload.startsWith(this.#selfPrefix)) {
      // Our own batch: only its send time matters, so skip parsing the entries.
      const at = payload.indexOf(',"t":', this.#selfPrefix.length);
      const sentAt = at < 0 ? NaN : Number(payload.slice(at + 5, payload.indexOf(",", at + 5)));
      if (Number.isFinite(sentAt)) {
        this.#onOwnBatch(sentAt);
        return;
      }
    }
    let batch: WireBatch;
    try {
      batch = decodeBatch(payload);
    } catch (err) {
      this.#warn("decode", "ignored a malformed bus notification", err);
      return;
    }
    if (batch.instanceId === this.instanceId) {
      this.#onOwnBatch(batch.sentAt);
      return;
    }
    this.#peers.add(batch.instanceId);
    const last = this.#lastN.get(batch.instanceId);
    if (last !== undefined && batch.n <= last) return; // a repeat
    // A skipped number is a lost batch. The first batch heard from an instance that has sent
    // before may follow lost ones too (catching up once per instance met is cheap).
    if (last === undefined ? batch.n > 1 : batch.n > last + 1) {
      this.resync(last === undefined ? "new instance heard" : "gap in batches");
    }
    this.#lastN.set(batch.instanceId, batch.n);
    if (batch.entries.length === 0) return;
    this.#inbox = this.#inbox.then(() => this.#receive(batch)).catch((err) =>
      this.#warn("receive", "bus delivery failed", err)
    );
  }

  /** Our own batches come back in commit order: everything before this one has arrived. */
  #onOwnBatch(sentAt: number): void {
    this.#lastSelfHeard = Date.now();
    this.#healthyAt = Math.max(this.#healthyAt, sentAt);
  }

  async #receive(batch: WireBatch): Promise<void> {
    const wanted: MessageRange[] = [];
    for (const entry of batch.entries) {
      if (entry.kind !== "event" || entry.event.kind !== "message") continue;
      const { conversationId, seq } = entry.event;
      if (!this.#tracker.has(conversationId, seq)) {
        wanted.push({ conversationId, afterSeq: seq - 1, uptoSeq: seq });
      }
    }
    const loaded = new Map<string, Message>();
    if (wanted.length > 0) {
      try {
        for (const m of await this.#reader.messagesInRanges(wanted)) {
          loaded.set(`${m.conversationId}:${m.seq}`, m);
        }
      } catch (err) {
        // The fan-out reads each message itself; a catch-up covers the rest.
        this.#warn("load", "bus could not load announced messages", err);
      }
    }
    const link = this.#link;
    for (const entry of batch.entries) {
      if (entry.kind === "gone") {
        this.#lastN.delete(entry.instanceId);
        this.#peers.delete(entry.instanceId);
        link?.instanceGone(entry.instanceId);
        continue;
      }
      if (entry.kind === "reload") {
        link?.reloadInstance(batch.instanceId);
        continue;
      }
      const e = entry.event;
      if (e.kind === "message") {
        if (!this.#tracker.mark(e.conversationId, e.seq)) continue;
        const message = loaded.get(`${e.conversationId}:${e.seq}`);
        this.#emit(message ? { ...e, message } : e);
        continue;
      }
      if (e.kind === "agent" && entry.agent) {
        link?.remoteAgent(batch.instanceId, e.agentId, entry.agent);
      }
      if (e.kind === "visitor" && entry.visitorConnected !== undefined) {
        link?.remoteVisitor(batch.instanceId, e.visitorId, entry.visitorConnected);
      }
      this.#emit(e);
    }
  }

  /** Reads what changed since this instance last heard everything, and delivers what it missed. */
  async #catchUp(): Promise<void> {
    while (this.#resyncReasons.size > 0 && !this.#closed) {
      const reason = [...this.#resyncReasons].join(", ");
      this.#resyncReasons.clear();
      const startedAt = Date.now();
      const sinceMs = this.#healthyAt + this.#offsetMs - this.#marginMs;
      try {
        const changed = await this.#reader.changedConversations(sinceMs);
        const ranges: MessageRange[] = [];
        const visitorOf = new Map<string, string>();
        for (const c of changed) {
          visitorOf.set(c.id, c.visitorId);
          const after = this.#tracker.missingAfter(c.id, c.lastSeq);
          if (after === null) continue;
          ranges.push({ conversationId: c.id, afterSeq: after ?? -1, uptoSeq: c.lastSeq });
        }
        const messages = await this.#reader.messagesInRanges(ranges, sinceMs);
        let delivered = 0;
        for (const message of messages) {
          if (!this.#tracker.mark(message.conversationId, message.seq)) continue;
          delivered++;
          this.#emit({
            kind: "message",
            conversationId: message.conversationId,
            visitorId: visitorOf.get(message.conversationId) ?? "",
            seq: message.seq,
            note: message.note,
            message,
          });
        }
        for (const [conversationId, visitorId] of visitorOf) {
          this.#emit({ kind: "conversation", conversationId, visitorId });
        }
        this.#log.info("bus caught up", {
          instance: this.instanceId,
          reason,
          conversations: changed.length,
          messages: delivered,
        });
        // Everything committed before the reads above has been delivered.
        this.#healthyAt = Math.max(this.#healthyAt, startedAt);
        for (const l of this.#resyncListeners) l();
      } catch (err) {
        this.#warn("catchup", "bus catch-up failed; retrying", err);
        this.#resyncReasons.add(reason);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    this.#resyncing = false;
  }

  // ---------------------------------------------------------------------------------------
  // Delivery and logging
  // ---------------------------------------------------------------------------------------

  #emit(event: BusEvent): void {
    for (const l of this.#listeners) l(event);
  }

  #emitSoon(event: BusEvent): void {
    for (const l of this.#listeners) queueMicrotask(() => l(event));
  }

  /** Logs a warning at most once per 10 s per key, so an outage does not flood the log. */
  #warn(key: string, msg: string, err?: unknown): void {
    const now = Date.now();
    if (now - (this.#warnedAt.get(key) ?? 0) < 10_000) return;
    this.#warnedAt.set(key, now);
    this.#log.warn(msg, {
      instance: this.instanceId,
      err: err === undefined ? undefined : String(err),
    });
  }
}
