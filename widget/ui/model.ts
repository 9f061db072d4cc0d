/**
 * The chat model: all state the widget shows, as signals, plus the actions that change it. One
 * model per connection, created by {@link createChatModel}; components only read signals and call
 * actions. The model owns the outbox (offline-first delivery by the kernel's outbox engine,
 * `protocol/client/outbox.ts`: one message on the wire at a time, oldest first, so messages are
 * stored in writing order), dedupes messages by seq and clientId, throttles typing notices and
 * expires the agent's typing indicator.
 *
 * @module
 */

import { batch, computed, effect, type ReadonlySignal, signal } from "@preact/signals-core";
import type { ErrorCode } from "../../protocol/codes.ts";
import type {
  Attachment,
  HoursInfo,
  Message,
  PageInfo,
  TeamInfo,
  VisitorClientFrame,
  VisitorConversation,
} from "../../protocol/frames.ts";
import type { Attributes, Identity } from "../api.ts";
import { TYPING_TTL_MS } from "../../protocol/timing.ts";
import {
  type Clock,
  CLOSE_UNAUTHORIZED,
  type ConnectionState,
  createSocket,
  FATAL_CODES,
  type ReconnectingSocket,
  type SocketFactory,
  systemClock,
  type TimerId,
} from "../../protocol/client/socket.ts";
import {
  decodeVisitorFrame,
  type VisitorFrame as ServerFrame,
} from "../../protocol/client/decode.ts";
import { createOutbox } from "../../protocol/client/outbox.ts";
import { type ChatItem, type Delivery, fromPending, mergeMessages, sortItems } from "./items.ts";
import { createTypingNotifier } from "./typing.ts";
import type { PendingMessage, SavedState, VisitorStore } from "./outbox.ts";

export type { ChatItem, Delivery };

/** What the visitor knows about themselves. */
export interface VisitorSelf {
  name: string;
  email: string | null;
  verified: boolean;
}

/** Options for {@link createChatModel}. */
export interface ChatModelOptions {
  /** `ws(s)://HOST/ws/visitor`. */
  url: string;
  site: string;
  store: VisitorStore;
  /** The page the visitor is on, read at each `hello`. */
  page(): PageInfo;
  /** The widget's locale, sent in `hello` so the server resolves the team texts for it. */
  locale?: string;
  timezone?: string;
  identity?: Identity | null;
  attributes?: Attributes | null;
  /** Called for each new message that arrives live (not history, not this tab's own sends). */
  onMessage?(message: Message): void;
  socket?: SocketFactory;
  /**
   * Loads the fallback transport (the widget's lazy chunk, docs/widget.md "When WebSockets are
   * blocked") and calls `done` with its factory, or `failed`. Asked once two connection attempts
   * in a row ended before `welcome` (an attempt without `welcome` after {@link WELCOME_MS} is
   * dropped and counts as ended); later attempts use the factory. Asked again after the next
   * failure if it could not load. Absent: only the WebSocket.
   */
  fallback?(done: (factory: SocketFactory) => void, failed: () => void): void;
  clock?: Clock;
  random?: () => number;
  /** Makes idempotency keys; defaults to 128 random bits in hex. */
  newId?(): string;
}

/** How long an attempt may take to get `welcome` before it counts as failed (see `fallback`). */
export const WELCOME_MS = 5000;

/** Makes a random 32-character hex id (works on plain-http pages, unlike randomUUID). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Creates the model and its connection. Call `start()` to connect and `dispose()` to stop. */
export function createChatModel(opts: ChatModelOptions) {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const newId = opts.newId ?? randomId;
  const store = opts.store;

  const status = signal<ConnectionState>("disconnected");
  /** The server refused this site or origin: nothing will work until the page reloads. */
  const unavailable = signal(false);
  const open = signal(false);
  /** Whether the host page is visible (`document.visibilityState`). */
  const visible = signal(true);
  const items = signal<ChatItem[]>(store.read().outbox.map(fromPending));
  const conversation = signal<VisitorConversation | null>(null);
  const visitor = signal<VisitorSelf | null>(null);
  const team = signal<TeamInfo | null>(null);
  /** Business hours as of the last `welcome`; null before it, or from a server without hours. */
  const hours = signal<HoursInfo | null>(null);
  /** Null until the first `welcome`. */
  const agentsOnline = signal<number | null>(null);
  /** The typing agent's name, or null. */
  const agentTyping = signal<string | null>(null);
  const readSeq = signal(0);
  /** `navigator.onLine` as last reported by the page. */
  const network = signal(true);
  /** The address given in the offline email prompt, once sent. */
  const contactEmail = signal<string | null>(null);
  /** Whether the server emails agents' replies (the `welcome`'s `emailReplies`). */
  const emailReplies = signal(false);
  /**
   * The transcript by email: 0 not asked, 1 asking for an address, 2 asked, 3 refused (an
   * `error` frame of `rate_limited` or `no_email` came after it: visitor frames carry no ids).
   */
  const transcript = signal(0);

  const maxSeq = computed(() =>
    items.value.reduce((max, i) => i.seq !== null && i.seq > max ? i.seq : max, 0)
  );
  const unread: ReadonlySignal<number> = computed(() =>
    items.value.filter((i) => i.authorKind !== "visitor" && i.seq !== null && i.seq > readSeq.value)
      .length
  );

  let token: string | null = store.read().token;
  let synced = false;
  let tokenRetried = false;
  /** The token the last `hello` carried (a 4001 after it means the token, not the site, failed). */
  let helloToken: string | null = null;
  let identity = opts.identity ?? null;
  let attributes = opts.attributes ?? null;
  let sentRead = 0;
  let agentTypingTimer: TimerId | undefined;
  /** Connection attempts in a row that ended before `welcome` (see `fallback`). */
  let failed = 0;
  /** Whether the fallback is loading or loaded (or there is none): no more counting. */
  let fellBack = !opts.fallback;
  let welcomeTimer: TimerId | undefined;

  const connection: ReconnectingSocket<VisitorClientFrame> = createSocket({
    url: opts.url,
    decode: decodeVisitorFrame,
    socket: opts.socket,
    clock,
    random,
    hello: () => {
      helloToken = token;
      return {
        type: "hello",
        site: opts.site,
        // Undefined fields are left out of the JSON the frame is sent as.
        token: token || undefined,
        // Resume after what this page already shows; a fresh page asks for the latest page.
        lastSeq: synced && maxSeq.peek() > 0 ? maxSeq.peek() : undefined,
        page: opts.page(),
        locale: opts.locale,
        timezone: opts.timezone,
      };
    },
    onFrame: (frame) => batch(() => receive(frame)),
    onState: (state, code) => {
      const was = status.peek();
      status.value = state;
      clock.clearTimeout(welcomeTimer);
      if (state === "connecting" && !fellBack) {
        welcomeTimer = clock.setTimeout(connection.drop, WELCOME_MS);
      }
      if (state === "connected") failed = 0;
      if (state !== "disconnected") return;
      // Ended before `welcome` while online, twice in a row: WebSockets may be blocked.
      if (was === "connecting" && network.peek() && ++failed > 1 && !fellBack) {
        fellBack = true;
        opts.fallback!((factory) => {
          connection.use(factory);
          connection.reconnectNow();
        }, () => fellBack = false);
      }
      agentTyping.value = null;
      typing.reset();
      // Nothing of ours is on the wire any more: the next welcome sends from the oldest message,
      // after its stored copies have left the outbox (no resend of what the server already has).
      outbox.restart();
      if (code === CLOSE_UNAUTHORIZED && helloToken && !tokenRetried) {
        // The stored token expired or was revoked: start over as a new visitor, once.
        tokenRetried = true;
        forgetToken();
        connection.start();
      } else if (code !== undefined && FATAL_CODES.includes(code)) {
        unavailable.value = true;
      }
    },
  });

  const typing = createTypingNotifier(clock, (frame) => connection.send(frame));

  function forgetToken(): void {
    token = null;
    store.setToken(null);
  }

  function send(frame: VisitorClientFrame): boolean {
    return connection.send(frame);
  }

  function setItems(next: ChatItem[]): void {
    items.value = next;
  }

  function setConversation(next: VisitorConversation | null): boolean {
    const prev = conversation.peek();
    conversation.value = next;
    const changed = prev !== null && prev.id !== next?.id;
    if (changed) {
      // A new conversation (start over, or resolved then written to): its seqs restart.
      setItems(items.peek().filter((i) => i.seq === null || i.conversationId === next?.id));
      readSeq.value = next?.readSeq ?? 0;
      sentRead = readSeq.peek();
      agentTyping.value = null;
    } else if (next) {
      readSeq.value = Math.max(readSeq.peek(), next.readSeq);
    }
    return changed;
  }

  // The kernel's outbox rule over the visitor store's outbox (localStorage, so it survives a
  // reload). A message's failed flag is shown on its row, so both change together.
  const outbox = createOutbox<PendingMessage>({
    store: {
      list: () => store.read().outbox,
      isFailed: (p) => !!p.failed,
      setFailed(p, failed) {
        store.put({ ...p, failed });
        setDelivery(p.clientId, failed ? "failed" : "sending");
      },
      remove: (p) => store.remove(p.clientId),
    },
    send: (p) =>
      send({
        type: "message",
        clientId: p.clientId,
        body: p.body,
        attachments: p.attachments?.map((a) => a.id),
      }),
    clock,
    random,
  });

  function sendProfile(): void {
    if (identity) send({ type: "identify", ...identity });
    if (attributes) send({ type: "attributes", attributes });
  }

  function markRead(): void {
    const seq = maxSeq.peek();
    if (!open.peek() || !visible.peek()) return;
    if (seq > readSeq.peek()) readSeq.value = seq;
    if (seq > sentRead && send({ type: "read", seq })) sentRead = seq;
  }

  function receive(frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome": {
        token = frame.token;
        store.setToken(frame.token);
        tokenRetried = false;
        visitor.value = frame.visitor;
        team.value = frame.team;
        hours.value = frame.hours ?? null;
        agentsOnline.value = frame.agentsOnline;
        emailReplies.value = frame.emailReplies;
        const first = !synced;
        const changed = setConversation(frame.conversation);
        sentRead = frame.conversation?.readSeq ?? 0;
        const base = first ? items.peek().filter((i) => i.seq === null) : items.peek();
        setItems(mergeMessages(base, frame.messages));
        resolvePending(frame.messages);
        synced = true;
        // The conversation changed while this tab was away: fetch its latest page.
        if (changed && !first) send({ type: "sync" });
        // What was on the old socket goes again now, from the oldest message (see onState).
        outbox.pump();
        sendProfile();
        markRead();
        return;
      }
      case "ack":
        acknowledge(frame);
        return;
      case "message": {
        const m = frame.message;
        if (m.note) return;
        const known = items.peek().some((i) =>
          i.id === m.id || (m.clientId !== null && i.clientId === m.clientId)
        );
        setItems(mergeMessages(items.peek(), [m]));
        resolvePending([m]);
        if (m.authorKind === "agent") {
          agentTyping.value = null;
          clock.clearTimeout(agentTypingTimer);
        }
        if (!known) opts.onMessage?.(m);
        markRead();
        return;
      }
      case "history":
        setItems(mergeMessages(items.peek(), frame.messages));
        resolvePending(frame.messages);
        return;
      case "conversation":
        setConversation(frame.conversation);
        return;
      case "typing":
        clock.clearTimeout(agentTypingTimer);
        agentTyping.value = frame.active ? frame.name : null;
        if (frame.active) {
          agentTypingTimer = clock.setTimeout(() => {
            agentTyping.value = null;
          }, TYPING_TTL_MS);
        }
        return;
      case "agents":
        agentsOnline.value = frame.online;
        return;
      case "identity":
        visitor.value = { name: frame.name, email: frame.email, verified: frame.verified };
        return;
      case "error":
        if (frame.clientId) outbox.refused(frame.clientId, frame.retryable === true);
        else if (transcript.peek() === 2 && /^(rate_limited|no_email)$/.test(frame.code)) {
          transcript.value = 3;
        } else if (frame.code === ("invalid_token" satisfies ErrorCode)) forgetToken();
        else if (frame.code === ("site_not_found" satisfies ErrorCode)) {
          unavailable.value = true;
          connection.stop();
        }
        return;
    }
  }

  /** Stored copies of this visitor's messages leave the outbox. */
  function resolvePending(messages: Message[]): void {
    for (const m of messages) {
      if (m.authorKind === "visitor" && m.clientId) outbox.stored(m.clientId);
    }
  }

  function acknowledge(ack: Extract<ServerFrame, { type: "ack" }>): void {
    const { clientId, messageId: id, conversationId, seq, createdAt } = ack;
    // If the relayed copy came first, mergeMessages already replaced the pending item.
    setItems(
      sortItems(
        items.peek().map((i) =>
          i.clientId === clientId && i.seq === null
            ? { ...i, id, conversationId, seq, createdAt, delivery: "sent" }
            : i
        ),
      ),
    );
    outbox.stored(clientId);
  }

  function setDelivery(clientId: string, delivery: Delivery): void {
    setItems(
      items.peek().map((i) => i.clientId === clientId && i.seq === null ? { ...i, delivery } : i),
    );
  }

  /** Adopts another tab's outbox entries and, while this tab has no history yet, its token. */
  function syncFromOtherTab(state: SavedState): void {
    const list = items.peek();
    const fresh = state.outbox.filter((p) => !list.some((i) => i.clientId === p.clientId));
    if (fresh.length > 0) setItems(sortItems([...list, ...fresh.map(fromPending)]));
    if (state.token && state.token !== token && maxSeq.peek() === 0 && !conversation.peek()) {
      token = state.token;
      synced = false;
      connection.start();
    }
  }

  const unsubscribe = store.subscribe((state) => batch(() => syncFromOtherTab(state)));
  const disposeRead = effect(() => {
    // Re-run when the panel opens, the page becomes visible or a message arrives.
    if (open.value && visible.value && maxSeq.value > 0 && status.value === "connected") {
      markRead();
    }
  });

  const actions = {
    /** Connects (the loader mounts the UI on open, or when a returning visitor's page is idle). */
    start(): void {
      connection.start();
    },
    setOpen(value: boolean): void {
      if (value) store.enable();
      else typing.stop();
      open.value = value;
    },
    setVisible(value: boolean): void {
      visible.value = value;
    },
    /**
     * Queues a message in the outbox and sends it when connected. Returns false for blank text
     * without attachments (uploaded already: see `PendingMessage.attachments`).
     */
    send(body: string, attachments?: Attachment[]): boolean {
      const text = body.trim();
      if ((!text && !attachments) || unavailable.peek()) return false;
      store.enable();
      const pending: PendingMessage = {
        clientId: newId(),
        body: text,
        createdAt: new Date(clock.now()).toISOString(),
        attachments,
      };
      store.put(pending);
      setItems(sortItems([...items.peek(), fromPending(pending)]));
      typing.stop();
      outbox.pump();
      return true;
    },
    /** Queues a failed message again with its original clientId (it keeps its place). */
    retry(clientId: string): void {
      outbox.retry(clientId);
    },
    /** The composer's text changed: throttled `typing` with a preview, idle after 3 s. */
    draft(text: string): void {
      typing.draft(text);
    },
    /** The composer lost focus. */
    blur(): void {
      typing.stop();
    },
    /** Leaves an email for a reply while no agent is online. */
    contact(email: string): boolean {
      const value = email.trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return false;
      store.enable();
      if (!send({ type: "contact", email: value })) return false;
      contactEmail.value = value;
      return true;
    },
    /**
     * Asks for the conversation's transcript by email, to `email` or the visitor's own address;
     * without either, asks for one first.
     */
    sendTranscript(email?: string): void {
      const to = email?.trim() || contactEmail.peek() || visitor.peek()?.email;
      if (!to) transcript.value = 1;
      else if (send({ type: "transcript", email: to })) transcript.value = 2;
    },
    rate(rating: number): void {
      const c = conversation.peek();
      if (!c || !send({ type: "rate", rating })) return;
      conversation.value = { ...c, rating };
    },
    startOver(): void {
      if (!send({ type: "start_over" })) return;
      setConversation(null);
      setItems(items.peek().filter((i) => i.seq === null));
    },
    identify(value: Identity): void {
      identity = value;
      // The server does not echo identify: show the known email now (hides the email prompt).
      const self = visitor.peek();
      if (self && value.email) visitor.value = { ...self, email: value.email };
      send({ type: "identify", ...value });
    },
    setAttributes(value: Attributes): void {
      attributes = { ...attributes, ...value };
      send({ type: "attributes", attributes: value });
    },
    /**
     * The host page changed its URL without a reload: tells agents. Dropped while disconnected:
     * the next `hello` carries the page.
     */
    page(): void {
      send({ type: "page", page: opts.page() });
    },
    /** The browser came back online: reconnect now instead of waiting out the backoff. */
    online(): void {
      network.value = true;
      connection.reconnectNow();
    },
    /** The browser went offline: drop the socket so new messages wait in the outbox. */
    offline(): void {
      network.value = false;
      connection.drop();
    },
    /** Forgets the visitor (token, outbox) and disconnects. */
    shutdown(): void {
      actions.dispose();
      store.clear();
      token = null;
      setItems([]);
      conversation.value = null;
    },
    /** Stops the connection, timers and effects. */
    dispose(): void {
      fellBack = true; // stopping mid-attempt is no failure of the WebSocket's
      connection.stop();
      typing.stop();
      clock.clearTimeout(agentTypingTimer);
      outbox.dispose();
      unsubscribe();
      disposeRead();
    },
  };

  return {
    status,
    unavailable,
    open,
    visible,
    items,
    conversation,
    visitor,
    team,
    hours,
    agentsOnline,
    agentTyping,
    readSeq,
    unread,
    contactEmail,
    emailReplies,
    transcript,
    network,
    ...actions,
  };
}

/** The chat model returned by {@link createChatModel}. */
export type ChatModel = ReturnType<typeof createChatModel>;
