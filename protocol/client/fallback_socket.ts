/**
 * The HTTP fallback transport (docs/protocol.md "HTTP fallback"): one more {@link SocketFactory},
 * so `createSocket`'s hello-with-lastSeq, heartbeats, backoff and the outbox work over it
 * unchanged. Server to client: `POST /fallback/visitor/stream` read as a stream of Server-Sent
 * Events (`event: open` with the stream id, `event: close` with the close code, every other event
 * one frame). Client to server: `POST /fallback/visitor/frames` with `X-Parley-Stream` and
 * `{n, frames}`, one post at a time, frames queued meanwhile going in the next; a post that fails
 * is retried with the same indexes (the server drops what it already has), a few times, then the
 * socket reports close 1006 as a dropped WebSocket would. The visitor token travels in the
 * `hello` frame, never in a URL.
 *
 * {@link hybridSocket} puts it behind a real WebSocket: the widget's lazily loaded fallback chunk
 * (`widget/fallback/`) uses it once WebSockets failed twice. Browser code: imports only
 * `protocol/`.
 *
 * @module
 */

import type { SocketFactory, SocketHandle, SocketHandlers } from "./socket.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";

/** The close code reported when the stream or a post is lost (as a WebSocket's abnormal close). */
export const LOST_CLOSE = 1006;
/** The close code a fallback socket reports when a WebSocket works again (reconnect at once). */
export const UPGRADE_CLOSE = 1012;
/** Frames per post at most (the server's limit). */
export const MAX_FRAMES_PER_POST = 32;
/** How many times a failed post is retried before the socket reports {@link LOST_CLOSE}. */
export const POST_RETRIES = 3;
/** The first retry's wait; it doubles per retry. */
export const POST_RETRY_MS = 250;
/** A WebSocket is tried again once the last try is this old (the background upgrade back). */
export const UPGRADE_AFTER_MS = 60_000;
/** A WebSocket that has not opened after this long is given up for the fallback. */
export const WS_OPEN_MS = 5_000;

/** Options for {@link fallbackSocket}; tests pass fakes. */
export interface FallbackOptions {
  fetch?: typeof fetch;
  clock?: Clock;
}

/**
 * The Parley origin of a socket URL: `wss://chat.example/ws/visitor` → `https://chat.example`.
 */
export function httpOrigin(url: string): string {
  return url.replace(/^ws(s?):\/\/([^/]+).*$/, "http$1://$2");
}

/**
 * Splits a Server-Sent Events byte stream into events, whatever the chunk boundaries (inside a
 * line, a `\r\n` or a UTF-8 character). Comments (`: …`, the padding and keep-alives) and `id:`
 * lines are ignored; an event with no `data` is not dispatched.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  while (true) {
    const { done, value } = await reader.read();
    buffer += decoder.decode(value, { stream: !done });
    const lines = buffer.split("\n");
    // The last piece has no newline yet (or is empty): it waits for the next chunk.
    buffer = done ? "" : lines.pop()!;
    for (const raw of lines) {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (line === "") {
        if (data.length) onEvent(event || "message", data.join("\n"));
        event = "";
        data = [];
        continue;
      }
      const colon = line.indexOf(":");
      if (colon === 0) continue; // a comment
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (done) return;
  }
}

/**
 * A {@link SocketFactory} over `fetch`: the socket opens when the stream's `open` event names its
 * id, and closes with the code of its `close` event, or {@link LOST_CLOSE} when the stream ends
 * without one, cannot be opened, or a post fails for good. `close()` aborts the stream and any
 * post on its way.
 */
export function fallbackSocket(opts: FallbackOptions = {}): SocketFactory {
  const clock = opts.clock ?? systemClock;
  return (url, on) => {
    const doFetch = opts.fetch ?? fetch;
    const origin = httpOrigin(url);
    const abort = new AbortController();
    const signal = abort.signal;
    /** Frames not yet accepted by the server, oldest first; `sent` is the index of the first. */
    const queue: string[] = [];
    let sent = 0;
    let stream: string | null = null;
    let posting = false;
    let done = false;

    const end = (code: number) => {
      if (done) return;
      done = true;
      abort.abort();
      on.close(code);
    };

    const post = async () => {
      if (posting || done || !stream || !queue.length) return;
      posting = true;
      const frames = queue.slice(0, MAX_FRAMES_PER_POST);
      const body = JSON.stringify({ n: sent, frames });
      for (let retry = 0;; retry++) {
        let status = 0;
        try {
          const res = await doFetch(`${origin}/fallback/visitor/frames`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-parley-stream": stream },
            body,
            signal,
          });
          status = res.status;
          await res.body?.cancel();
        } catch { /* network failure, or aborted by close() */ }
        if (done) return;
        // No such stream (ended, or its instance is gone): a new stream and a new hello.
        if (status === 404) return end(LOST_CLOSE);
        if (status >= 200 && status < 300) break;
        if (retry >= POST_RETRIES) return end(LOST_CLOSE);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, POST_RETRY_MS * 2 ** retry));
        if (done) return;
      }
      queue.splice(0, frames.length);
      sent += frames.length;
      posting = false;
      post();
    };

    const onEvent = (event: string, data: string) => {
      if (done) return;
      if (event === "open") {
        stream = (JSON.parse(data) as { stream: string }).stream;
        on.open();
        post();
      } else if (event === "close") {
        end((JSON.parse(data) as { code: number }).code);
      } else if (event === "message" && stream) on.message(data);
    };

    (async () => {
      const res = await doFetch(`${origin}/fallback/visitor/stream`, { method: "POST", signal });
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      await readEvents(res.body, onEvent);
    })().then(() => end(LOST_CLOSE), () => end(LOST_CLOSE));

    return {
      send(data) {
        if (done) return;
        queue.push(data);
        post();
      },
      close() {
        if (done) return;
        done = true;
        abort.abort();
      },
    };
  };
}

/** Options for {@link hybridSocket}. */
export interface HybridOptions {
  /** The real WebSocket (`browserSocket`). */
  webSocket: SocketFactory;
  /** The fallback ({@link fallbackSocket}). */
  fallback: SocketFactory;
  clock?: Clock;
}

/**
 * A WebSocket first, the fallback when it fails: each attempt tries a WebSocket when the last
 * WebSocket failure is older than {@link UPGRADE_AFTER_MS} (or there was none, or the fallback
 * itself failed to open since), else goes straight to the fallback. A WebSocket that opens (within
 * {@link WS_OPEN_MS}) wins; one that closes before, or does not open in time, hands the attempt to
 * the fallback. While a fallback socket is open, a WebSocket is tried in the background every
 * {@link UPGRADE_AFTER_MS}; once one opens, the fallback socket closes with {@link UPGRADE_CLOSE}
 * so the client reconnects at once, over a WebSocket.
 */
export function hybridSocket(opts: HybridOptions): SocketFactory {
  const clock = opts.clock ?? systemClock;
  /** When a WebSocket last failed to open; -Infinity: try one first. */
  let wsFailed = -Infinity;
  return (url, on) => {
    let current: SocketHandle | undefined;
    let closed = false;
    let timer: TimerId | undefined;
    let probe: SocketHandle | undefined;

    const stopTimers = () => {
      clock.clearTimeout(timer);
      try {
        probe?.close(1000);
      } catch { /* already closed */ }
      probe = undefined;
    };

    /**
     * Opens a WebSocket: `opened` once it opens in time (then its events go to `forward`),
     * `failed` when it closes before or does not open within {@link WS_OPEN_MS}.
     */
    const tryWebSocket = (
      opened: () => void,
      failed: () => void,
      forward?: SocketHandlers,
    ): SocketHandle => {
      /** 0 trying, 1 open, 2 given up. */
      let state = 0;
      const ws = opts.webSocket(url, {
        open() {
          if (state) return;
          state = 1;
          clock.clearTimeout(timer);
          opened();
        },
        message(data) {
          if (state === 1) forward?.message(data);
        },
        close(code) {
          if (state === 1) forward?.close(code);
          else if (!state && !closed) giveUp();
        },
      });
      // Never called before `ws` is set: a WebSocket reports its close asynchronously.
      function giveUp() {
        state = 2;
        clock.clearTimeout(timer);
        wsFailed = clock.now();
        try {
          ws.close(1000);
        } catch { /* never opened */ }
        failed();
      }
      timer = clock.setTimeout(giveUp, WS_OPEN_MS);
      return ws;
    };

    const useFallback = () => {
      if (closed) return;
      let open = false;
      const scheduleProbe = () => {
        timer = clock.setTimeout(() => {
          probe = tryWebSocket(() => {
            // A WebSocket works again: reconnect over one.
            stopTimers();
            wsFailed = -Infinity;
            closed = true;
            current?.close(UPGRADE_CLOSE);
            on.close(UPGRADE_CLOSE);
          }, scheduleProbe);
        }, UPGRADE_AFTER_MS);
      };
      current = opts.fallback(url, {
        open() {
          open = true;
          scheduleProbe();
          on.open();
        },
        message(data) {
          if (!closed) on.message(data);
        },
        close(code) {
          if (closed) return;
          // A fallback that could not even open: next time, a WebSocket first again.
          if (!open) wsFailed = -Infinity;
          closed = true;
          stopTimers();
          on.close(code);
        },
      });
    };

    if (clock.now() - wsFailed >= UPGRADE_AFTER_MS) {
      current = tryWebSocket(() => on.open(), useFallback, on);
    } else useFallback();

    return {
      send: (data) => current?.send(data),
      close(code) {
        closed = true;
        stopTimers();
        current?.close(code);
      },
    };
  };
}
