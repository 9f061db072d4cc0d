/**
 * Group commit and grouped reads for {@link SqlStore}: calls that arrive while the database is
 * busy share one statement (see `batcher.ts`). Writes: visitor messages, staff messages (agent
 * replies, notes, system messages) and visitor updates. Reads: the point reads of the fan-out and
 * of every `hello`. Whatever a batch statement leaves (first messages, stored client ids, unknown
 * rows) or a statement that fails as a whole goes through the single-row path, in order, which
 * gives exactly the single path's results and errors.
 *
 * @module
 */

import type { ConversationSummary, Message } from "../protocol/frames.ts";
import type {
  AgentRecord,
  AppendResult,
  Conversation,
  VisitorMessageInput,
  VisitorRecord,
} from "./store.ts";
import { StoreUnavailableError } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { Batcher, settle, type Settled } from "./batcher.ts";
import * as messages from "./sql_messages.ts";
import * as visitors from "./sql_visitors.ts";
import { appendVisitorBatch } from "./sql_append_batch.ts";
import { openVisitorBatch } from "./sql_open_batch.ts";
import { appendStaffBatch, type StaffAppend } from "./sql_staff_batch.ts";
import {
  currentConversations,
  shapeOf,
  updateVisitorsOfShape,
  type VisitorUpdate,
} from "./sql_visitor_batch.ts";
import {
  agentsById,
  byKeys,
  conversationsById,
  messagesByKey,
  summariesById,
  visitorsById,
} from "./sql_point_reads.ts";

/** The largest batch: enough to absorb any burst, small enough for one statement's arrays. */
const MAX_BATCH = 500;

/** Writes that share statements. */
export interface GroupedWrites {
  appendVisitor(input: VisitorMessageInput): Promise<AppendResult>;
  appendStaff(input: StaffAppend): Promise<AppendResult>;
  updateVisitor(update: VisitorUpdate): Promise<VisitorRecord>;
}

/** Point reads that share statements (null: not found). */
export interface GroupedReads {
  summary(conversationId: string): Promise<ConversationSummary | null>;
  conversation(id: string): Promise<Conversation | null>;
  currentConversation(visitorId: string): Promise<Conversation | null>;
  agent(id: string): Promise<AgentRecord | null>;
  visitor(id: string): Promise<VisitorRecord | null>;
  message(key: { conversationId: string; seq: number }): Promise<Message | null>;
}

/** Group-committed writes over `q`, `maxInFlight` batches at a time. */
export function groupedWrites(q: Queryable, maxInFlight: number): GroupedWrites {
  const opts = { maxInFlight, maxBatch: MAX_BATCH };
  const visitorAppends = new Batcher(
    (inputs: VisitorMessageInput[]) => appendVisitors(q, inputs),
    opts,
  );
  const staffAppends = new Batcher((items: StaffAppend[]) => appendStaff(q, items), opts);
  const visitorUpdates = new Batcher(
    (updates: VisitorUpdate[]) => updateVisitors(q, updates),
    opts,
  );
  return {
    appendVisitor: (input) => visitorAppends.submit(input),
    appendStaff: (input) => staffAppends.submit(input),
    updateVisitor: (update) => visitorUpdates.submit(update),
  };
}

/** Grouped point reads over `q`, `maxInFlight` batches at a time per kind. */
export function groupedReads(q: Queryable, maxInFlight: number): GroupedReads {
  const opts = { maxInFlight, maxBatch: MAX_BATCH };
  const id = (k: string) => k;
  const summaries = new Batcher(byKeys((ids: string[]) => summariesById(q, ids), id), opts);
  const conversations = new Batcher(byKeys((ids: string[]) => conversationsById(q, ids), id), opts);
  const current = new Batcher(byKeys((ids: string[]) => currentConversations(q, ids), id), opts);
  const agents = new Batcher(byKeys((ids: string[]) => agentsById(q, ids), id), opts);
  const visitorReads = new Batcher(byKeys((ids: string[]) => visitorsById(q, ids), id), opts);
  const messageReads = new Batcher(
    byKeys(
      (keys: { conversationId: string; seq: number }[]) => messagesByKey(q, keys),
      (k) => `${k.conversationId}:${k.seq}`,
    ),
    opts,
  );
  return {
    summary: (conversationId) => summaries.submit(conversationId),
    conversation: (conversationId) => conversations.submit(conversationId),
    currentConversation: (visitorId) => current.submit(visitorId),
    agent: (agentId) => agents.submit(agentId),
    visitor: (visitorId) => visitorReads.submit(visitorId),
    message: (key) => messageReads.submit(key),
  };
}

/**
 * Staff messages in rounds holding one message per conversation (repeats go to later rounds,
 * in order), each round one statement; what a round leaves (or a failed round) goes one by one.
 */
async function appendStaff(
  q: Queryable,
  items: StaffAppend[],
): Promise<Settled<AppendResult>[]> {
  const single = (a: StaffAppend) =>
    settle(() =>
      a.kind === "system"
        ? messages.appendSystemMessage(q, a.conversationId, a.body)
        : messages.appendAgentMessage(q, {
          conversationId: a.conversationId,
          agentId: a.authorId ?? "",
          clientId: a.clientId ?? "",
          body: a.body,
          note: a.note,
        })
    );
  if (items.length === 1) return [await single(items[0])];
  const one = unlessUnavailable(single);
  const out: Settled<AppendResult>[] = new Array(items.length);
  let left = items.map((a, i) => ({ a, i }));
  while (left.length > 0) {
    const [round, later] = firstPerKey(left, (x) => x.a.conversationId);
    let stored: (AppendResult | null)[] = round.map(() => null);
    if (round.length > 1) {
      try {
        stored = await appendStaffBatch(q, round.map((x) => x.a));
      } catch {
        // Retried one by one below (all failing at once if the database is unavailable).
      }
    }
    for (let k = 0; k < round.length; k++) {
      const r = stored[k];
      out[round[k].i] = r ? { ok: true, value: r } : await one(round[k].a);
    }
    left = later;
  }
  return out;
}

/**
 * Updates of one shape share a statement; a visitor updated twice in a batch gets its updates
 * in order, in separate rounds. A failed statement retries its updates one by one.
 */
async function updateVisitors(
  q: Queryable,
  updates: VisitorUpdate[],
): Promise<Settled<VisitorRecord>[]> {
  const single = (u: VisitorUpdate) => settle(() => visitors.updateVisitor(q, u.id, u.patch));
  if (updates.length === 1) return [await single(updates[0])];
  const one = unlessUnavailable(single);
  const out: Settled<VisitorRecord>[] = new Array(updates.length);
  let left = updates.map((u, i) => ({ ...u, i }));
  while (left.length > 0) {
    const [round, later] = firstPerKey(left, (u) => u.id);
    const shapes = new Map<string, typeof round>();
    for (const u of round) {
      const shape = shapeOf(u.patch);
      const group = shapes.get(shape);
      if (group) group.push(u);
      else shapes.set(shape, [u]);
    }
    for (const group of shapes.values()) {
      try {
        const rows = await updateVisitorsOfShape(q, group);
        for (const u of group) {
          const row = rows.get(u.id);
          // A row left out is unknown or over the attributes cap: the single path says which.
          out[u.i] = row ? { ok: true, value: row } : await single(u);
        }
      } catch {
        for (const u of group) out[u.i] = await one(u);
      }
    }
    left = later;
  }
  return out;
}

/**
 * One statement for the batch's messages to existing conversations, then one opening the
 * conversations of the visitors who had none (their first message); what both leave (or a
 * failed statement) goes one by one, in order.
 */
async function appendVisitors(
  q: Queryable,
  inputs: VisitorMessageInput[],
): Promise<Settled<AppendResult>[]> {
  const single = (input: VisitorMessageInput) =>
    settle(() => messages.appendVisitorMessage(q, input));
  if (inputs.length === 1) return [await single(inputs[0])];
  let stored: (AppendResult | null)[];
  try {
    stored = await appendVisitorBatch(q, inputs);
  } catch (err) {
    if (err instanceof StoreUnavailableError) return inputs.map(() => ({ ok: false, error: err }));
    stored = inputs.map(() => null);
  }
  try {
    await openConversations(q, inputs, stored);
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      return stored.map((r) => r ? { ok: true, value: r } : { ok: false, error: err });
    }
  }
  const one = unlessUnavailable(single);
  const out: Settled<AppendResult>[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const r = stored[i];
    out.push(r ? { ok: true, value: r } : await one(inputs[i]));
  }
  return out;
}

/**
 * Opens, in one statement, the conversations of the visitors whose message `stored` left
 * unstored: each visitor's first such message that may open one. Their results go into `stored`;
 * a visitor's later messages stay for the single path, which appends them after the first.
 */
async function openConversations(
  q: Queryable,
  inputs: VisitorMessageInput[],
  stored: (AppendResult | null)[],
): Promise<void> {
  const seen = new Set<string>();
  const at: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const { visitorId, mayOpen } = inputs[i];
    if (stored[i] !== null || seen.has(visitorId)) continue;
    seen.add(visitorId);
    if (mayOpen !== false) at.push(i);
  }
  if (at.length === 0) return;
  const opened = await openVisitorBatch(q, at.map((i) => inputs[i]));
  at.forEach((i, k) => stored[i] = opened[k]);
}

/**
 * Wraps a one-by-one path: once one item finds the database unavailable, the rest of the batch
 * fail with the same error at once. Each would otherwise wait out the same timeout in turn, and
 * a partition would hold the last sender of a batch for the batch's length times the bound.
 */
function unlessUnavailable<I, O>(
  single: (item: I) => Promise<Settled<O>>,
): (item: I) => Promise<Settled<O>> {
  let down: StoreUnavailableError | null = null;
  return async (item) => {
    if (down) return { ok: false, error: down };
    const r = await single(item);
    if (!r.ok && r.error instanceof StoreUnavailableError) down = r.error;
    return r;
  };
}

/** Splits `items` into the first of each key, in order, and the repeats (for a later round). */
function firstPerKey<T>(items: T[], key: (x: T) => string): [T[], T[]] {
  const seen = new Set<string>();
  const first: T[] = [];
  const repeats: T[] = [];
  for (const x of items) {
    const k = key(x);
    if (seen.has(k)) repeats.push(x);
    else {
      seen.add(k);
      first.push(x);
    }
  }
  return [first, repeats];
}
