/**
 * Commands the orchestrator sends to load workers, one JSON object per line, and their replies.
 *
 * @module
 */

import type { HistogramData, Percentiles } from "./histogram.ts";

/** A command to a load worker; `id` is echoed in the reply. */
export type Command =
  & { id?: number }
  & (
    | {
      cmd: "connect";
      /** Base URLs (`ws://host:port`), used round robin. */
      urls: string[];
      count: number;
      /** Added to visitor indexes so client ids differ between workers. */
      offset: number;
      concurrency: number;
      /** Keep every received seq, for `verify`. */
      track: boolean;
    }
    | {
      cmd: "open";
      timeoutMs: number;
      /** Open at most this many conversations (default: one per visitor). */
      limit?: number;
    }
    | { cmd: "agents"; url: string; cookie: string; count: number }
    | { cmd: "window"; from: number; to: number }
    | { cmd: "load"; rate: number; durationMs: number; drainMs: number }
    | { cmd: "periodic"; periodMs: number; durationMs: number; drainMs: number }
    | { cmd: "agentSend"; conversations: string[]; rate: number; durationMs: number }
    | { cmd: "conversations" }
    | { cmd: "storm"; urls: string[]; concurrency: number }
    | { cmd: "verify" }
    | { cmd: "report"; reset: boolean }
    | { cmd: "close" }
  );

/** A reply: `ok` plus command-specific fields. */
export type Reply = {
  id?: number;
  ok: boolean;
  error?: string;
  connected?: number;
  failed?: number;
  ms?: number;
  open?: number;
  agents?: number;
  sent?: number;
  acked?: number;
  outstanding?: number;
  conversations?: string[];
  resumed?: number;
  checked?: number;
  lost?: number;
  duplicated?: number;
  unacked?: number;
  ack?: HistogramData;
  recv?: HistogramData;
  /** Per-socket time from the drop to its `welcome` (storm). */
  resume?: HistogramData;
  errors?: number;
  errorCodes?: Record<string, number>;
  /** Close codes of visitor sockets the server closed. */
  closeCodes?: Record<string, number>;
  /** Distinct visitor messages the first agent socket received. */
  agentDistinct?: number;
  /** Messages an agent socket received more than once. */
  agentDup?: number;
  /** `message` frames a visitor socket received more than once. */
  visitorDup?: number;
  /** Send → first agent's receipt, per second of sending within the window. */
  recvBySecond?: (Percentiles | null)[];
};
