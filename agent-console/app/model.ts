/**
 * The console model: all live state of one agent connection as signals and computeds, plus the
 * actions that change it. Built with `createModel`, so its effects and timers are disposed
 * together. It never touches the DOM or the socket directly: frames go out through `deps.send`
 * and come in through {@link ConsoleModel.receive}.
 *
 * @module
 */

import { computed, createModel, effect, signal, untracked } from "@preact/signals";
import type {
  AgentClientFrame,
  AgentCommand,
  AgentInfo,
  AgentServerFrame,
  Attachment,
  ConversationSummary,
  Label,
  Message,
  VisitorInfo,
} from "../../protocol/frames.ts";
import { MAX_BODY_CHARS } from "../../protocol/limits.ts";
import { TYPING_TTL_MS } from "../../protocol/timing.ts";
import { type ConsoleApi, errorText } from "./api.ts";
import type { ConnectionState } from "./connection.ts";
import { createHistoryLoader } from "./history.ts";
import { createInbox } from "./inbox.ts";
import { createNotices, type Notice } from "./notices.ts";
import { mergeMessages } from "../../protocol/client/merge.ts";
import type { PendingMessage } from "./thread.ts";
import type { Thread } from "./thread.ts";
import { createOwnTyping } from "./own_typing.ts";
import { createOutbox } from "../../protocol/client/outbox.ts";
import { setMap } from "./signal_map.ts";
import { mergeSummary, summaryAfterMessage } from "./summaries.ts";
import {
  type Clock as Timers,
  systemClock as defaultTimers,
  type TimerId,
} from "../../protocol/client/clock.ts";
import { createTyping } from "./typing.ts";
import { isSnoozed, type ViewName } from "./views.ts";
import { visitorLabel } from "./format.ts";

/**
 * Something the UI may want to announce (sound, desktop notification). A visitor message of a
 * conversation the console does not know yet (a brand-new one: the server relays the first
 * message before the conversation's summary) is announced when the summary arrives, so the
 * event always carries its conversation.
 */
export type ConsoleEvent = {
  type: "visitor_message";
  message: Message;
  conversation: ConversationSummary;
  /** True when the message belongs to the conversation on screen. */
  selected: boolean;
};

/** What {@link createConsoleModel} needs. */
export interface ConsoleModelDeps {
  /** The signed-in agent (from `GET /api/agent/me`); the welcome frame refreshes it. */
  me: AgentInfo;
  /** Sends a frame on the agent socket; false when it is not connected. */
  send(frame: AgentClientFrame): boolean;
  /** HTTP endpoints used for visitor details and resolved-conversation paging. */
  api?: Pick<ConsoleApi, "visitor" | "conversations"> & Partial<Pick<ConsoleApi, "eraseVisitor">>;
  /** Called for events worth a sound or a notification. */
  onEvent?(event: ConsoleEvent): void;
  timers?: Timers;
  now?(): number;
  /** Randomness of the resend backoff (tests pin it). */
  random?(): number;
  newClientId?(): string;
  /** How long a typing indicator lives without a refresh. */
  typingTtlMs?: number;
}

const ConsoleModelClass = createModel((deps: ConsoleModelDeps) => {
  const timers = deps.timers ?? defaultTimers;
  const now = deps.now ?? (() => Date.now());
  const newClientId = deps.newClientId ?? (() => crypto.randomUUID());

  // ---- state ---------------------------------------------------------------------------------
  const me = signal<AgentInfo>(deps.me);
  const connection = signal<ConnectionState>("connecting");
  const agents = signal<ReadonlyMap<string, AgentInfo>>(new Map([[deps.me.id, deps.me]]));
  const conversations = signal<ReadonlyMap<string, ConversationSummary>>(new Map());
  /** Every label by id, in name order (the welcome, then `labels` frames). */
  const labels = signal<ReadonlyMap<string, Label>>(new Map());
  /** The inbox's label filter (a label id; null: every conversation). */
  const labelFilter = signal<string | null>(null);
  /** The inbox's order: "Sort: View order / Priority" (the queue's view order is oldest first). */
  const inboxSort = signal<"newest" | "priority">("newest");
  /** True once a welcome arrived: the inbox is a real snapshot, not "still loading". */
  const ready = signal(false);
  const threads = signal<ReadonlyMap<string, Thread>>(new Map());
  const outbox = signal<ReadonlyMap<string, PendingMessage>>(new Map());
  const visitors = signal<ReadonlyMap<string, VisitorInfo>>(new Map());
  const visitorHistory = signal<ReadonlyMap<string, readonly ConversationSummary[]>>(new Map());
  const view = signal<ViewName>("queue");
  /** The inbox's site filter (`GET /api/agent/sites` ids); null shows every site. */
  const siteFilter = signal<string | null>(null);
  const selectedId = signal<string | null>(null);
  const noteMode = signal(false);
  const drafts = signal<ReadonlyMap<string, string>>(new Map());
  const notices = createNotices(timers);
  const visible = signal(true);
  const clock = signal(now());
  const resolvedHasMore = signal(true);
  const typing = createTyping({ timers, ttlMs: deps.typingTtlMs ?? TYPING_TTL_MS });

  // ---- derived -------------------------------------------------------------------------------
  const { lists, counts, currentList, unreadCount } = createInbox(
    conversations,
    me,
    view,
    siteFilter,
  );
  const selected = computed(() => {
    const id = selectedId.value;
    return id === null ? null : conversations.value.get(id) ?? null;
  });
  const selectedPending = computed(() => {
    const id = selectedId.value;
    return [...outbox.value.values()].filter((p) => p.conversationId === id);
  });

  // ---- internals -----------------------------------------------------------------------------
  /**
   * Commands on the wire, by request id: a reply names its command, so an `error` is never
   * guessed to answer another command (an accept's conflict is not a history load's failure).
   */
  const requests = new Map<string, AgentCommand>();
  let lastRequest = 0;
  /** True once the server echoed an id: from then on an error without one answers no command. */
  let echoes = false;
  /**
   * Visitor messages of conversations not known yet, by conversation id (the latest one each),
   * announced when the conversation's summary arrives. Bounded: a summary that never comes
   * (a site this agent may not see) must not grow it forever.
   */
  const unannounced = new Map<string, Message>();
  const MAX_UNANNOUNCED = 50;

  /** Tells the UI of a visitor message, or keeps it until its conversation is known. */
  function announce(m: Message) {
    const conversation = conversations.value.get(m.conversationId);
    if (!conversation) {
      unannounced.delete(m.conversationId);
      unannounced.set(m.conversationId, m);
      if (unannounced.size > MAX_UNANNOUNCED) {
        unannounced.delete(unannounced.keys().next().value ?? "");
      }
      return;
    }
    deps.onEvent?.({
      type: "visitor_message",
      message: m,
      conversation,
      selected: selectedId.value === m.conversationId,
    });
  }

  /** Announces the kept messages of conversations that are known now. */
  function announceKept() {
    for (const [id, m] of unannounced) {
      if (!conversations.value.has(id)) continue;
      unannounced.delete(id);
      announce(m);
    }
  }

  /** Sends a command with a fresh request id; returns the id, or null when not connected. */
  function sendCommand(frame: AgentCommand): string | null {
    const requestId = `r${++lastRequest}`;
    if (!deps.send({ ...frame, requestId })) return null;
    requests.set(requestId, frame);
    return requestId;
  }

  /** The command a reply answers (forgotten once answered), when the reply names one. */
  function answered(requestId: string | undefined): AgentCommand | undefined {
    if (requestId === undefined) return undefined;
    echoes = true;
    const frame = requests.get(requestId);
    requests.delete(requestId);
    return frame;
  }

  const history = createHistoryLoader({ threads, command: sendCommand });
  const ownTyping = createOwnTyping({ send: deps.send, timers, now });
  // The outbox lives in memory: a console tab that closes loses its unsent replies.
  const sender = createOutbox<PendingMessage>({
    store: {
      list: () => [...outbox.value.values()],
      isFailed: (p) => p.state === "failed",
      setFailed(p, failed, reason) {
        setMap(outbox, p.clientId, {
          ...p,
          state: failed ? "failed" : "sending",
          error: failed ? reason ?? null : null,
        });
      },
      remove: (p) => setMap(outbox, p.clientId, undefined),
    },
    send: sendPending,
    clock: timers,
    random: deps.random,
  });

  const notice = notices.show;

  /** Sends a command frame; tells the agent when the socket is down. */
  function command(frame: AgentCommand): boolean {
    const sent = sendCommand(frame) !== null;
    if (!sent) notice("Not connected: try again");
    return sent;
  }

  /** Conversations this console unsnoozed: their return is the agent's own doing, not news. */
  const unsnoozing = new Set<string>();

  /**
   * Tells the assignee a snoozed conversation of theirs is back (its time came or the visitor
   * wrote; whichever instance woke it, the change reaches every console as a summary).
   */
  function announceWake(prev: ConversationSummary | undefined, next: ConversationSummary) {
    if (!prev || !isSnoozed(prev) || isSnoozed(next) || next.status === "resolved") return;
    if (unsnoozing.delete(next.id) || next.assigneeId !== me.value.id) return;
    notice(`${visitorLabel(next.visitorName, next.visitorId)} is back from snooze`, "info");
  }

  function upsertSummary(c: ConversationSummary, onlyIfMissing = false) {
    const prev = conversations.value.get(c.id);
    if (prev && onlyIfMissing) return;
    setMap(conversations, c.id, mergeSummary(prev, c));
  }

  function markRead(id: string, seq: number) {
    const c = conversations.value.get(id);
    if (!c || seq <= c.readSeq) return;
    if (sendCommand({ type: "read", conversationId: id, seq }) === null) return;
    setMap(conversations, id, { ...c, readSeq: seq });
  }

  function sendPending(p: PendingMessage) {
    return deps.send({
      type: "message",
      conversationId: p.conversationId,
      clientId: p.clientId,
      body: p.body,
      ...(p.note ? { note: true } : {}),
      ...(p.attachments ? { attachments: p.attachments.map((a) => a.id) } : {}),
    });
  }

  /** Drops outgoing messages that the server has stored (their twin arrived). */
  function settleOutbox(messages: readonly Message[]) {
    const meId = me.value.id;
    let next: Map<string, PendingMessage> | null = null;
    const settled: string[] = [];
    for (const m of messages) {
      if (m.clientId === null || m.authorKind !== "agent" || m.authorId !== meId) continue;
      if (!(next ?? outbox.value).has(m.clientId)) continue;
      next ??= new Map(outbox.value);
      next.delete(m.clientId);
      settled.push(m.clientId);
    }
    if (next) outbox.value = next;
    for (const clientId of settled) sender.stored(clientId);
  }

  function addMessages(id: string, messages: readonly Message[]) {
    const t = threads.value.get(id);
    if (!t) return;
    const merged = mergeMessages(t.messages, messages);
    if (merged !== t.messages) setMap(threads, id, { ...t, messages: merged });
  }

  function bumpSummary(m: Message) {
    const c = conversations.value.get(m.conversationId);
    if (!c) return;
    const next = summaryAfterMessage(c, m, me.value.id);
    if (next !== c) setMap(conversations, c.id, next);
  }

  // ---- frame handlers ------------------------------------------------------------------------
  function onWelcome(f: Extract<AgentServerFrame, { type: "welcome" }>) {
    me.value = f.agent;
    agents.value = new Map([...f.agents.map((a) => [a.id, a] as const), [f.agent.id, f.agent]]);
    const prev = conversations.value;
    conversations.value = new Map(
      f.conversations.map((c) => [c.id, mergeSummary(prev.get(c.id), c)]),
    );
    if (f.labels) labels.value = new Map(f.labels.map((l) => [l.id, l]));
    ready.value = true;
    announceKept();
    unannounced.clear();
    typing.clear();
    ownTyping.clear();
    // Commands sent on the old socket get no answer on this one.
    requests.clear();
    // Only the open conversation is kept (and caught up); others reload when opened again.
    const sel = selectedId.value;
    history.reset(sel);
    if (sel !== null) {
      const c = conversations.value.get(sel);
      if (c) sendCommand({ type: "visitor", visitorId: c.visitorId });
    }
    // Whatever was on the old socket is resent now, oldest first, with the same client ids.
    sender.restart();
  }

  function onAck(f: Extract<AgentServerFrame, { type: "ack" }>) {
    const p = outbox.value.get(f.clientId);
    sender.stored(f.clientId);
    const t = threads.value.get(f.conversationId);
    const m: Message = {
      id: f.messageId,
      conversationId: f.conversationId,
      seq: f.seq,
      authorKind: "agent",
      authorId: me.value.id,
      authorName: me.value.name,
      clientId: f.clientId,
      body: p?.body ?? "",
      note: p?.note ?? false,
      createdAt: f.createdAt,
      ...(p?.attachments ? { attachments: p.attachments } : {}),
    };
    // Without the pending copy we do not know the body: wait for the relayed message instead.
    if (p && t) addMessages(f.conversationId, [m]);
    if (p) bumpSummary(m);
  }

  function onMessage(m: Message) {
    settleOutbox([m]);
    addMessages(m.conversationId, [m]);
    bumpSummary(m);
    if (m.authorKind === "visitor") {
      typing.set(m.conversationId, { kind: "visitor", active: false });
      announce(m);
    }
  }

  function onHistory(f: Extract<AgentServerFrame, { type: "history" }>) {
    answered(f.requestId);
    if (!history.receive(f)) return;
    settleOutbox(f.messages);
    const last = f.messages.at(-1);
    if (last) bumpSummary(last);
  }

  function onError(f: Extract<AgentServerFrame, { type: "error" }>) {
    if (f.clientId !== undefined) {
      const p = outbox.value.get(f.clientId);
      if (p) {
        // Retryable (database unavailable, rate limited): it stays "sending" and is resent in
        // order after a backoff. Otherwise it waits for the agent's Retry or Discard.
        sender.refused(f.clientId, f.retryable === true, f.message);
        return;
      }
    }
    const refused = answered(f.requestId);
    if (refused?.type === "sync") history.failed(refused.conversationId, f.requestId);
    // A server that does not echo ids: an error naming a conversation may answer its sync.
    else if (!refused && !echoes && f.conversationId !== undefined) {
      history.failed(f.conversationId);
    }
    notice(f.code === "conflict" ? `Conflict: ${f.message}` : f.message);
  }

  function open(id: string | null) {
    const prev = selectedId.value;
    if (prev === id) return;
    if (prev !== null) ownTyping.stop(prev);
    selectedId.value = id;
    if (id === null) return;
    history.ensure(id);
    const c = conversations.value.get(id);
    if (c) {
      sendCommand({ type: "visitor", visitorId: c.visitorId });
      void loadVisitorHistory(c.visitorId);
    }
  }

  // Mark the open conversation read while it is on screen.
  effect(() => {
    const id = selectedId.value;
    if (id === null || !visible.value || connection.value !== "connected") return;
    const c = conversations.value.get(id);
    if (!c || c.lastSeq <= c.readSeq || !threads.value.get(id)?.loaded) return;
    untracked(() => markRead(id, c.lastSeq));
  });

  // A slow clock for "5 min ago" labels.
  let tick: TimerId | undefined;
  const schedule = () => {
    tick = timers.setTimeout(() => {
      clock.value = now();
      schedule();
    }, 30_000);
  };
  schedule();
  effect(() => () => {
    timers.clearTimeout(tick);
    sender.dispose();
    typing.clear();
    ownTyping.clear();
    notices.dispose();
  });

  return {
    me,
    connection,
    ready,
    agents,
    conversations,
    threads,
    outbox,
    visitors,
    visitorHistory,
    view,
    siteFilter,
    selectedId,
    labels,
    labelFilter,
    inboxSort,
    noteMode,
    drafts,
    notices: notices.list,
    visible,
    clock,
    resolvedHasMore,
    typing: typing.state,
    lists,
    counts,
    currentList,
    selected,
    selectedPending,
    unreadCount,

    /** Applies one frame from the agent socket. */
    receive(frame: AgentServerFrame) {
      switch (frame.type) {
        case "welcome":
          return onWelcome(frame);
        case "ack":
          return onAck(frame);
        case "message":
          return onMessage(frame.message);
        case "conversation":
          announceWake(conversations.value.get(frame.conversation.id), frame.conversation);
          upsertSummary(frame.conversation);
          if (unannounced.size > 0) announceKept();
          return;
        case "history":
          return onHistory(frame);
        case "typing":
          if (frame.author === "agent" && frame.agentId === me.value.id) return;
          return typing.set(frame.conversationId, {
            kind: frame.author,
            agentId: frame.agentId,
            name: frame.name,
            active: frame.active,
            preview: frame.preview,
          });
        case "agent":
          setMap(agents, frame.agent.id, frame.agent);
          if (frame.agent.id === me.value.id) me.value = frame.agent;
          return;
        case "visitor":
          answered(frame.requestId);
          return setMap(visitors, frame.visitor.id, frame.visitor);
        case "visitor_attributes": {
          // Only the changed keys come live; a visitor not loaded yet gets all of them on load.
          const shown = visitors.value.get(frame.visitorId);
          if (!shown) return;
          return setMap(visitors, frame.visitorId, {
            ...shown,
            attributes: { ...shown.attributes, ...frame.attributes },
          });
        }
        case "visitor_erased":
          return forgetVisitor(frame.visitorId);
        case "labels":
          labels.value = new Map(frame.labels.map((l) => [l.id, l]));
          return;
        case "done":
          answered(frame.requestId);
          return;
        case "error":
          return onError(frame);
      }
    },
    /** Records the socket state (from the connection). */
    setConnection(state: ConnectionState) {
      connection.value = state;
      if (state !== "connected") typing.clear();
    },
    /** Records whether the page is visible (drives read receipts and notifications). */
    setVisible(isVisible: boolean) {
      visible.value = isVisible;
    },
    /** Switches the inbox view. */
    setView(next: ViewName) {
      view.value = next;
    },
    /** Shows one site's conversations only (null: every site); resolved paging restarts. */
    setSiteFilter(site: string | null) {
      if (siteFilter.value === site) return;
      siteFilter.value = site;
      resolvedHasMore.value = true;
    },
    /**
     * Forgets the conversations of sites this agent may no longer see (their sites changed):
     * the server stops sending their frames, so what is held would only go stale.
     */
    keepSites(allowed: ReadonlySet<string>) {
      const kept = [...conversations.value].filter(([, c]) => allowed.has(c.siteId));
      if (kept.length === conversations.value.size) return;
      conversations.value = new Map(kept);
      const sel = selectedId.value;
      if (sel !== null && !conversations.value.has(sel)) open(null);
    },
    /** Opens a conversation (or none): loads its history and visitor details. */
    select(id: string | null) {
      open(id);
    },
    /**
     * Opens a conversation found by search. It may be older than the inbox snapshot; the
     * visitor's conversation list (over HTTP) then supplies its summary.
     */
    openFromSearch(id: string, visitorId: string | null) {
      open(id);
      if (!conversations.value.has(id) && visitorId !== null) {
        sendCommand({ type: "visitor", visitorId });
        void loadVisitorHistory(visitorId);
      }
    },
    /** Moves the selection `delta` rows through the current view (j/k). */
    move(delta: number) {
      const list = currentList.value;
      if (list.length === 0) return;
      const idx = list.findIndex((c) => c.id === selectedId.value);
      const next = idx === -1
        ? (delta > 0 ? 0 : list.length - 1)
        : Math.max(0, Math.min(list.length - 1, idx + delta));
      open(list[next].id);
    },
    /** Requests the page of history before the oldest loaded message. */
    loadOlder(id: string) {
      history.loadOlder(id);
    },
    /** Keeps the composer text of a conversation and announces typing (not for notes). */
    setDraft(id: string, text: string) {
      setMap(drafts, id, text === "" ? undefined : text);
      ownTyping.input(id, !noteMode.value && text.trim() !== "");
    },
    /** Switches the composer between replies and private notes. */
    setNoteMode(on: boolean) {
      noteMode.value = on;
      const id = selectedId.value;
      if (on && id !== null) ownTyping.stop(id);
    },
    /**
     * Queues a reply (or a note) with a fresh client id; it is sent once the messages written
     * before it are stored. It shows as "sending" until the ack and is resent with the same id
     * after a reconnect or a retryable refusal. Returns false when the body is empty (and no
     * file goes with it). The uploader passes the client id it chose when Send was pressed and
     * the files, every one of them already uploaded: the frame never names a half-done upload.
     */
    sendMessage(
      id: string,
      body: string,
      note: boolean,
      extra: { clientId?: string; attachments?: Attachment[] } = {},
    ): boolean {
      const files = extra.attachments?.length ? extra.attachments : undefined;
      if (body.trim() === "" && !files) return false;
      if (body.length > MAX_BODY_CHARS) {
        notice(`Message is too long: at most ${MAX_BODY_CHARS} characters`);
        return false;
      }
      ownTyping.stop(id);
      const p: PendingMessage = {
        clientId: extra.clientId ?? newClientId(),
        conversationId: id,
        body,
        note,
        ...(files ? { attachments: files } : {}),
        state: "sending",
        error: null,
        createdAt: new Date(now()).toISOString(),
      };
      setMap(outbox, p.clientId, p);
      setMap(drafts, id, undefined);
      sender.pump();
      return true;
    },
    /** Queues a failed message again with the same client id; it keeps its place in order. */
    retry(clientId: string) {
      sender.retry(clientId);
    },
    /** Forgets a failed message. */
    discard(clientId: string) {
      setMap(outbox, clientId, undefined);
    },
    /** Claims a queued conversation; a lost race comes back as a `conflict` notice. */
    accept(id: string) {
      command({ type: "accept", conversationId: id });
    },
    /** Hands a conversation to another agent. */
    transfer(id: string, agentId: string) {
      command({ type: "transfer", conversationId: id, agentId });
    },
    /** Puts an assigned conversation back in the queue (no assignee) for any agent to take. */
    unassign(id: string) {
      command({ type: "unassign", conversationId: id });
    },
    /** Marks a conversation resolved. */
    resolve(id: string) {
      ownTyping.stop(id);
      command({ type: "resolve", conversationId: id });
    },
    /** Reopens a resolved conversation. */
    reopen(id: string) {
      command({ type: "reopen", conversationId: id });
    },
    /** Snoozes a conversation until `until`: it moves to "Snoozed" when the server confirms. */
    snooze(id: string, until: Date) {
      command({ type: "snooze", conversationId: id, until: until.toISOString() });
    },
    /** Brings a snoozed conversation back now. */
    unsnooze(id: string) {
      if (command({ type: "unsnooze", conversationId: id })) unsnoozing.add(id);
    },
    /** Sets this agent's availability; only online agents are auto-assigned. */
    setPresence(status: "online" | "away") {
      if (!command({ type: "presence", status })) return;
      const next = { ...me.value, status };
      me.value = next;
      setMap(agents, next.id, next);
    },
    /** Shows a transient message. */
    notify(text: string, tone: Notice["tone"] = "info") {
      notice(text, tone);
    },
    /** Hides a notice. */
    dismissNotice(id: number) {
      notices.dismiss(id);
    },
    /** Erases the visitor with all their data (admins); true once done. */
    async eraseVisitor(visitorId: string): Promise<boolean> {
      try {
        await deps.api?.eraseVisitor?.(visitorId);
      } catch (err) {
        notice(`Could not erase the visitor: ${errorText(err)}`);
        return false;
      }
      forgetVisitor(visitorId);
      notice("Visitor erased", "info");
      return true;
    },
    /** Adds conversations learned over HTTP without overwriting live summaries. */
    addConversations(list: readonly ConversationSummary[]) {
      for (const c of list) upsertSummary(c, true);
    },
    /** Loads the next page of resolved conversations over HTTP. */
    async loadMoreResolved() {
      if (!deps.api) return;
      const oldest = lists.value.resolved.at(-1);
      try {
        const site = siteFilter.value;
        const page = await deps.api.conversations({
          status: ["resolved"],
          limit: 30,
          ...(oldest ? { before: oldest.updatedAt } : {}),
          ...(site !== null ? { site } : {}),
        });
        for (const c of page) upsertSummary(c, true);
        resolvedHasMore.value = page.length === 30;
      } catch (err) {
        notice(`Could not load resolved conversations: ${errorText(err)}`);
      }
    },
  };

  /** Drops everything held about an erased visitor: conversations, threads, details. */
  function forgetVisitor(visitorId: string) {
    const gone = [...conversations.value.values()].filter((c) => c.visitorId === visitorId);
    if (gone.some((c) => c.id === selectedId.value)) open(null);
    conversations.value = new Map(
      [...conversations.value].filter(([, c]) => c.visitorId !== visitorId),
    );
    threads.value = new Map([...threads.value].filter(([id]) => !gone.some((c) => c.id === id)));
    setMap(visitors, visitorId, undefined);
    setMap(visitorHistory, visitorId, undefined);
  }

  async function loadVisitorHistory(visitorId: string) {
    if (!deps.api) return;
    try {
      const { visitor, conversations: past } = await deps.api.visitor(visitorId);
      if (!visitors.value.has(visitorId)) setMap(visitors, visitorId, visitor);
      setMap(visitorHistory, visitorId, past);
      for (const c of past) upsertSummary(c, true);
    } catch {
      // The side panel still shows what the socket told us; this is decoration.
    }
  }
});

/** One agent connection's state and actions. Dispose with `model[Symbol.dispose]()`. */
export type ConsoleModel = InstanceType<typeof ConsoleModelClass>;

/** Creates the model for one agent connection. */
export function createConsoleModel(deps: ConsoleModelDeps): ConsoleModel {
  return new ConsoleModelClass(deps);
}
