/**
 * The wire format of the Postgres bus: compact JSON doorbells, many per NOTIFY. Each entry is a
 * small array (ids, seqs, typing and presence state, never a message body); {@link decodeBatch}
 * validates everything, since anyone with access to the database can NOTIFY the channel.
 *
 * ```
 * {"v":1,"i":"<instance>","n":<batch number>,"t":<sent at, ms>,"e":[entry, ...]}
 * ["m", conversationId, visitorId, seq, note 0|1]     a message was stored
 * ["c", conversationId, visitorId]                    a conversation changed
 * ["t", conversationId, visitorId, "v"|"a", agentId, name, active 0|1, preview?]
 * ["a", agentId, connected here 0|1, choice ""|"online"|"away"]
 * ["v", visitorId, connected here 0|1]
 * ["i", visitorId]                                    identity changed
 * ["k", visitorId, [key, ...] | 0]                     attributes changed (0: too many to list)
 * ["s", agentId, keepSession?]                        sessions revoked (but keepSession's)
 * ["e", visitorId, siteId]                            the visitor was erased
 * ["f", instanceId]                                   fallback posts wait for that instance
 * ["x", instanceId]                                   that instance is gone
 * ["r"]                                               reload the sender's presence
 * ```
 *
 * @module
 */

import type { BusEvent } from "./bus.ts";

/** Presence state attached to `agent` and `visitor` entries: the sender's local view. */
export interface AgentState {
  connected: boolean;
  choice: "online" | "away" | null;
}

/** One decoded entry. */
export type WireEntry =
  | { kind: "event"; event: BusEvent; agent?: AgentState; visitorConnected?: boolean }
  | { kind: "gone"; instanceId: string }
  | { kind: "reload" };

/** A decoded NOTIFY payload. */
export interface WireBatch {
  instanceId: string;
  n: number;
  sentAt: number;
  entries: WireEntry[];
}

/** Postgres refuses payloads of 8000 bytes or more; stay well clear. */
export const MAX_PAYLOAD_BYTES = 7500;

/**
 * The longest key list an `attributes` entry carries, in UTF-8 bytes of its JSON: one entry must
 * fit a payload whatever the keys hold. A longer list rings as 0, and receivers send every key.
 */
export const MAX_ATTRIBUTE_KEYS_BYTES = 2048;

/** Most keys a received `attributes` entry may list (a frame sets at most 30). */
const MAX_KEYS_LISTED = 100;

/** Encodes one event (with the sender's presence state for agent and visitor events). */
export function encodeEvent(
  e: BusEvent,
  state: { agent?: AgentState; visitorConnected?: boolean } = {},
): string {
  switch (e.kind) {
    case "message":
      return JSON.stringify(["m", e.conversationId, e.visitorId, e.seq, e.note ? 1 : 0]);
    case "conversation":
      return JSON.stringify(["c", e.conversationId, e.visitorId]);
    case "typing": {
      const entry: unknown[] = [
        "t",
        e.conversationId,
        e.visitorId,
        e.author === "visitor" ? "v" : "a",
        e.agentId ?? "",
        e.name,
        e.active ? 1 : 0,
      ];
      if (e.preview !== undefined) entry.push(e.preview);
      return JSON.stringify(entry);
    }
    case "agent":
      return JSON.stringify([
        "a",
        e.agentId,
        state.agent?.connected ? 1 : 0,
        state.agent?.choice ?? "",
      ]);
    case "visitor":
      return JSON.stringify(["v", e.visitorId, state.visitorConnected ? 1 : 0]);
    case "identity":
      return JSON.stringify(["i", e.visitorId]);
    case "attributes": {
      const keys = e.keys === null ? "" : JSON.stringify(e.keys);
      const listed = keys !== "" && utf8Length(keys) <= MAX_ATTRIBUTE_KEYS_BYTES;
      return `["k",${JSON.stringify(e.visitorId)},${listed ? keys : "0"}]`;
    }
    case "session_revoked":
      return JSON.stringify(
        e.keepSession === undefined ? ["s", e.agentId] : ["s", e.agentId, e.keepSession],
      );
    case "visitor_erased":
      return JSON.stringify(["e", e.visitorId, e.siteId]);
    case "labels":
      return '["l"]';
    case "fallback_relay":
      return JSON.stringify(["f", e.instanceId]);
  }
}

/** Encodes a control entry. */
export function encodeControl(
  c: { kind: "gone"; instanceId: string } | { kind: "reload" },
): string {
  return c.kind === "gone" ? JSON.stringify(["x", c.instanceId]) : '["r"]';
}

/** Joins encoded entries into a payload. */
export function encodeBatch(instanceId: string, n: number, sentAt: number, entries: string[]) {
  return `{"v":1,"i":${JSON.stringify(instanceId)},"n":${n},"t":${sentAt},"e":[${
    entries.join(",")
  }]}`;
}

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

function id(v: unknown): string {
  if (typeof v !== "string" || !ID.test(v)) throw new TypeError("Bad id in bus entry");
  return v;
}

function seq(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 2 ** 31) {
    throw new TypeError("Bad seq in bus entry");
  }
  return v;
}

function str(v: unknown, max: number): string {
  if (typeof v !== "string" || v.length > max) throw new TypeError("Bad text in bus entry");
  return v;
}

function flag(v: unknown): boolean {
  if (v !== 0 && v !== 1) throw new TypeError("Bad flag in bus entry");
  return v === 1;
}

function keyList(v: unknown): string[] | null {
  if (v === 0) return null;
  if (!Array.isArray(v) || v.length > MAX_KEYS_LISTED) throw new TypeError("Bad keys in bus entry");
  return v.map((k) => str(k, 64));
}

function decodeEntry(x: unknown): WireEntry {
  if (!Array.isArray(x) || typeof x[0] !== "string") throw new TypeError("Bad bus entry");
  switch (x[0]) {
    case "m":
      return {
        kind: "event",
        event: {
          kind: "message",
          conversationId: id(x[1]),
          visitorId: id(x[2]),
          seq: seq(x[3]),
          note: flag(x[4]),
        },
      };
    case "c":
      return {
        kind: "event",
        event: { kind: "conversation", conversationId: id(x[1]), visitorId: id(x[2]) },
      };
    case "t": {
      const author = x[3] === "v" ? "visitor" : x[3] === "a" ? "agent" : null;
      if (author === null) throw new TypeError("Bad typing author in bus entry");
      const agentId = str(x[4], 128);
      return {
        kind: "event",
        event: {
          kind: "typing",
          conversationId: id(x[1]),
          visitorId: id(x[2]),
          author,
          agentId: agentId === "" ? null : id(agentId),
          name: str(x[5], 200),
          active: flag(x[6]),
          ...(x[7] === undefined ? {} : { preview: str(x[7], 1000) }),
        },
      };
    }
    case "a": {
      const choice = x[3] === "online" || x[3] === "away" ? x[3] : null;
      if (choice === null && x[3] !== "") throw new TypeError("Bad choice in bus entry");
      return {
        kind: "event",
        event: { kind: "agent", agentId: id(x[1]) },
        agent: { connected: flag(x[2]), choice },
      };
    }
    case "v":
      return {
        kind: "event",
        event: { kind: "visitor", visitorId: id(x[1]) },
        visitorConnected: flag(x[2]),
      };
    case "i":
      return { kind: "event", event: { kind: "identity", visitorId: id(x[1]) } };
    case "k":
      return {
        kind: "event",
        event: { kind: "attributes", visitorId: id(x[1]), keys: keyList(x[2]) },
      };
    case "s":
      return {
        kind: "event",
        event: {
          kind: "session_revoked",
          agentId: id(x[1]),
          ...(x[2] === undefined ? {} : { keepSession: id(x[2]) }),
        },
      };
    case "e":
      return {
        kind: "event",
        event: { kind: "visitor_erased", visitorId: id(x[1]), siteId: id(x[2]) },
      };
    case "l":
      return { kind: "event", event: { kind: "labels" } };
    case "f":
      return { kind: "event", event: { kind: "fallback_relay", instanceId: id(x[1]) } };
    case "x":
      return { kind: "gone", instanceId: id(x[1]) };
    case "r":
      return { kind: "reload" };
    default:
      throw new TypeError("Unknown bus entry");
  }
}

/** Parses and validates a payload; throws `TypeError` (or `SyntaxError`) when malformed. */
export function decodeBatch(payload: string): WireBatch {
  const o: unknown = JSON.parse(payload);
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new TypeError("Bad batch");
  const b = o as Record<string, unknown>;
  if (b.v !== 1 || !Array.isArray(b.e)) throw new TypeError("Bad batch version");
  const n = b.n;
  const t = b.t;
  if (typeof n !== "number" || !Number.isInteger(n) || typeof t !== "number") {
    throw new TypeError("Bad batch header");
  }
  return { instanceId: id(b.i), n, sentAt: t, entries: b.e.map(decodeEntry) };
}

/** UTF-8 length of a string, without allocating. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
