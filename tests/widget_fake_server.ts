/**
 * A scripted stand-in for Parley's visitor endpoint, for widget tests that need failures the real
 * server cannot be asked to produce on cue: a restart (close 1012), retryable errors, a fatal
 * close. It serves a built `dist/` directory, the public site settings the loader reads
 * (`GET /api/widget/sites/:id`, as `docs/http_api.md` specifies: CORS, 403 for an origin the
 * site does not allow, 404 for an unknown site, ETag with `no-cache`), and speaks `/ws/visitor`
 * with one in-memory conversation per token; the `welcome` carries the site's team texts and
 * business hours. It can refuse the WebSocket upgrade (as a proxy that drops it) and speaks the
 * HTTP fallback's wire (docs/protocol.md "HTTP fallback": a Server-Sent Events stream and posted
 * frames with indexes) over the same in-memory conversations. Not a server implementation: only
 * what the widget tests need.
 *
 * @module
 */

import type {
  Message,
  VisitorClientFrame,
  VisitorConversation,
  VisitorServerFrame,
} from "../protocol/frames.ts";
import { parseVisitorFrame } from "../protocol/frames.ts";
import { localizedText, pickLocale } from "../protocol/site_settings.ts";
import {
  DEFAULT_SITES,
  type FakeSite,
  settingsOf,
  type SettingsRequest,
  settingsResponse,
} from "./widget_fake_sites.ts";

export { DEFAULT_SITES, type FakeSite, type SettingsRequest };

/** Options for {@link startFakeServer}. */
export interface FakeServerOptions {
  /** The built dist directory to serve. */
  distDir: string;
  agentsOnline?: number;
  heartbeatMs?: number;
  /**
   * Extra pages: path → HTML, with an optional CSP header. `{{ORIGIN}}` in either is replaced by
   * the server's `http://127.0.0.1:PORT` origin (load the page via `localhost` to embed cross-origin).
   */
  pages?: Record<string, { html: string; csp?: string }>;
  /** Sites by id (default {@link DEFAULT_SITES}). */
  sites?: Record<string, FakeSite>;
  /** Answers `/ws/visitor` with 400, as a proxy that drops the upgrade (see `setRefuseUpgrade`). */
  refuseUpgrade?: boolean;
}

/** What the fake sends visitor frames to: a WebSocket, or a fallback stream. */
interface Peer {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

interface Visitor {
  token: string;
  id: string;
  email: string | null;
  conversation: VisitorConversation | null;
  messages: Message[];
  sockets: Set<Peer>;
}

/** A running fake server and its controls. */
export interface FakeServer {
  url: string;
  port: number;
  /** Every frame received from visitors, in order. */
  received: VisitorClientFrame[];
  /** Every settings request, in order. */
  settingsRequests: SettingsRequest[];
  /** Every visitor's stored messages. */
  messages(): Message[];
  /** Sends an agent message to every visitor's conversation. */
  agentSay(body: string, name?: string): void;
  agentTyping(active: boolean, name?: string): void;
  /** Adds a system line ("Ana joined the conversation") to every visitor's conversation. */
  systemSay(body: string): void;
  setAgentsOnline(n: number): void;
  resolve(): void;
  /** Answers the next visitor message with an error instead of storing it. */
  failNext(retryable: boolean): void;
  /** Closes every visitor socket with `code` (1012: restart). */
  closeAll(code: number): void;
  /** Turns the refusal of the WebSocket upgrade on or off. */
  setRefuseUpgrade(on: boolean): void;
  /** Requests seen: `ws` (upgrades, refused or not), `stream` and `frames` (fallback posts). */
  counts: { ws: number; stream: number; frames: number };
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Starts the fake server on a random loopback port. */
export function startFakeServer(opts: FakeServerOptions): Promise<FakeServer> {
  const sites = opts.sites ?? DEFAULT_SITES;
  const settingsRequests: SettingsRequest[] = [];
  const visitors = new Map<string, Visitor>();
  const received: VisitorClientFrame[] = [];
  let agentsOnline = opts.agentsOnline ?? 1;
  let failures: boolean[] = [];
  let counter = 0;
  const now = () => new Date().toISOString();
  const send = (ws: Peer, frame: VisitorServerFrame) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };
  const toAll = (v: Visitor, frame: VisitorServerFrame) => v.sockets.forEach((s) => send(s, frame));

  const store = (v: Visitor, m: Omit<Message, "id" | "seq" | "conversationId" | "createdAt">) => {
    if (!v.conversation || v.conversation.status === "resolved") {
      v.conversation = {
        id: `c${++counter}`,
        status: "open",
        assignee: null,
        lastSeq: 0,
        readSeq: 0,
        agentReadSeq: 0,
        resolvedSeq: null,
        rating: null,
      };
      v.messages = [];
      toAll(v, { type: "conversation", conversation: v.conversation });
    }
    const c = v.conversation;
    const message: Message = {
      ...m,
      id: `m${++counter}`,
      conversationId: c.id,
      seq: ++c.lastSeq,
      createdAt: now(),
    };
    v.messages.push(message);
    return message;
  };

  const onFrame = (ws: Peer, state: { v?: Visitor }, frame: VisitorClientFrame) => {
    received.push(frame);
    if (frame.type === "hello") {
      // As the real server: an unknown site is refused with an error, then close 4001.
      if (!sites[frame.site]) {
        send(ws, { type: "error", code: "site_not_found", message: `Unknown site: ${frame.site}` });
        ws.close(4001, "site_not_found");
        return;
      }
      let v = frame.token ? visitors.get(frame.token) : undefined;
      if (!v) {
        const token = `t${++counter}`;
        v = {
          token,
          id: `v${counter}`,
          email: null,
          conversation: null,
          messages: [],
          sockets: new Set(),
        };
        visitors.set(token, v);
      }
      state.v = v;
      v.sockets.add(ws);
      const messages = frame.lastSeq === undefined
        ? v.messages.slice(-50)
        : v.messages.filter((m) => m.seq > frame.lastSeq!);
      // The site's team texts for the hello's locale, "" when unset (the widget's table then).
      const site = sites[frame.site] ?? {};
      const s = settingsOf(site);
      const lang = pickLocale([frame.locale]) ?? s.locale;
      send(ws, {
        type: "welcome",
        token: v.token,
        visitor: { id: v.id, name: "Visitor", email: v.email, verified: false },
        conversation: v.conversation,
        messages,
        agentsOnline,
        team: {
          name: localizedText(s.teamName, lang, s.locale) ?? "",
          replyTime: localizedText(s.replyTime, lang, s.locale) ?? "",
        },
        hours: site.hours ?? { open: true, nextOpen: null },
        emailReplies: false,
        heartbeatMs: opts.heartbeatMs ?? 25_000,
      });
      return;
    }
    const v = state.v;
    if (!v) return;
    switch (frame.type) {
      case "message": {
        const existing = v.messages.find((m) => m.clientId === frame.clientId);
        if (existing) {
          send(ws, {
            type: "ack",
            clientId: frame.clientId,
            messageId: existing.id,
            conversationId: existing.conversationId,
            seq: existing.seq,
            createdAt: existing.createdAt,
          });
          return;
        }
        const failure = failures.shift();
        if (failure !== undefined) {
          send(ws, {
            type: "error",
            code: failure ? "unavailable" : "too_large",
            message: "Refused by the fake server",
            retryable: failure,
            clientId: frame.clientId,
          });
          return;
        }
        const m = store(v, {
          authorKind: "visitor",
          authorId: v.id,
          authorName: null,
          clientId: frame.clientId,
          body: frame.body,
          note: false,
        });
        send(ws, {
          type: "ack",
          clientId: frame.clientId,
          messageId: m.id,
          conversationId: m.conversationId,
          seq: m.seq,
          createdAt: m.createdAt,
        });
        toAll(v, { type: "message", message: m });
        return;
      }
      case "contact":
        v.email = frame.email;
        send(ws, { type: "identity", name: "Visitor", email: frame.email, verified: false });
        return;
      case "rate":
        if (v.conversation) {
          v.conversation = { ...v.conversation, rating: frame.rating };
          toAll(v, { type: "conversation", conversation: v.conversation });
        }
        return;
      case "start_over":
        v.conversation = null;
        v.messages = [];
        toAll(v, { type: "conversation", conversation: null });
        return;
      case "ping":
        send(ws, { type: "pong" });
        return;
    }
  };

  let refuseUpgrade = opts.refuseUpgrade ?? false;
  const counts = { ws: 0, stream: 0, frames: 0 };
  const streams = new Map<
    string,
    { peer: Peer; state: { v?: Visitor }; next: number }
  >();
  /** A fallback stream: padding, `open`, then one event per frame, `close` at the end. */
  const fallbackStream = (): Response => {
    const id = `fake.${++counter}`;
    const state: { v?: Visitor } = {};
    const bytes = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let open = true;
    const end = () => {
      if (!open) return;
      open = false;
      streams.delete(id);
      state.v?.sockets.delete(peer);
      try {
        controller.close();
      } catch { /* the reader went away */ }
    };
    const write = (text: string) => {
      if (open) controller.enqueue(bytes.encode(text));
    };
    const peer: Peer = {
      get readyState() {
        return open ? WebSocket.OPEN : WebSocket.CLOSED;
      },
      send: (text) => write(`data: ${text}\n\n`),
      close(code = 1000, reason = "") {
        write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
        end();
      },
    };
    streams.set(id, { peer, state, next: 0 });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        write(`: ${" ".repeat(2048)}\n\nevent: open\ndata: ${JSON.stringify({ stream: id })}\n\n`);
      },
      cancel: end, // the reader went away
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
      },
    });
  };

  const root = opts.distDir.replace(/\/$/, "");
  let origin = "";
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen() {},
  }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/ws/visitor") {
      counts.ws++;
      if (refuseUpgrade) return new Response("Upgrade refused", { status: 400 });
      const { socket, response } = Deno.upgradeWebSocket(req);
      const state: { v?: Visitor } = {};
      socket.onmessage = (e) => {
        try {
          onFrame(socket, state, parseVisitorFrame(String(e.data)));
        } catch {
          send(socket, { type: "error", code: "bad_frame", message: "Bad frame" });
        }
      };
      socket.onclose = () => state.v?.sockets.delete(socket);
      return response;
    }
    if (url.pathname === "/fallback/visitor/stream" && req.method === "POST") {
      counts.stream++;
      return fallbackStream();
    }
    if (url.pathname === "/fallback/visitor/frames" && req.method === "POST") {
      counts.frames++;
      const stream = streams.get(req.headers.get("x-parley-stream") ?? "");
      if (!stream) return Response.json({ error: { code: "not_found" } }, { status: 404 });
      const { n, frames } = await req.json() as { n: number; frames: string[] };
      // Frame indexes: what this stream already applied is dropped (a retried post).
      frames.forEach((text, i) => {
        if (n + i !== stream.next) return;
        stream.next++;
        try {
          onFrame(stream.peer, stream.state, parseVisitorFrame(text));
        } catch {
          send(stream.peer, { type: "error", code: "bad_frame", message: "Bad frame" });
        }
      });
      return Response.json({ next: stream.next }, { status: 202 });
    }
    if (url.pathname.startsWith("/api/widget/sites/") && req.method === "GET") {
      return await settingsResponse(req, url, sites, settingsRequests);
    }
    const page = opts.pages?.[url.pathname];
    if (page) {
      const headers = new Headers({ "content-type": TYPES[".html"] });
      if (page.csp) {
        headers.set("content-security-policy", page.csp.replaceAll("{{ORIGIN}}", origin));
      }
      return new Response(page.html.replaceAll("{{ORIGIN}}", origin), { headers });
    }
    const path = url.pathname === "/" ? "/demo.html" : url.pathname;
    if (path.includes("..")) return new Response("Not found", { status: 404 });
    try {
      const body = await Deno.readFile(`${root}${path}`);
      const ext = path.slice(path.lastIndexOf("."));
      return new Response(body, {
        headers: {
          "content-type": TYPES[ext] ?? "application/octet-stream",
          "content-security-policy":
            "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'",
        },
      });
    } catch {
      return new Response("Not found", { status: 404 });
    }
  });

  const port = server.addr.port;
  origin = `http://127.0.0.1:${port}`;
  return Promise.resolve({
    url: origin,
    port,
    received,
    settingsRequests,
    messages: () => [...visitors.values()].flatMap((v) => v.messages),
    agentSay(body, name = "Ana") {
      for (const v of visitors.values()) {
        const m = store(v, {
          authorKind: "agent",
          authorId: "a1",
          authorName: name,
          clientId: null,
          body,
          note: false,
        });
        toAll(v, { type: "message", message: m });
      }
    },
    systemSay(body) {
      for (const v of visitors.values()) {
        const m = store(v, {
          authorKind: "system",
          authorId: null,
          authorName: null,
          clientId: null,
          body,
          note: false,
        });
        toAll(v, { type: "message", message: m });
      }
    },
    agentTyping(active, name = "Ana") {
      for (const v of visitors.values()) toAll(v, { type: "typing", active, name });
    },
    setAgentsOnline(n) {
      agentsOnline = n;
      for (const v of visitors.values()) toAll(v, { type: "agents", online: n });
    },
    resolve() {
      for (const v of visitors.values()) {
        if (!v.conversation) continue;
        v.conversation = {
          ...v.conversation,
          status: "resolved",
          resolvedSeq: v.conversation.lastSeq,
        };
        toAll(v, { type: "conversation", conversation: v.conversation });
      }
    },
    failNext(retryable) {
      failures = [...failures, retryable];
    },
    closeAll(code) {
      for (const v of visitors.values()) {
        for (const s of v.sockets) s.close(code, "fake");
      }
    },
    setRefuseUpgrade(on) {
      refuseUpgrade = on;
    },
    counts,
    close: async () => {
      for (const { peer } of [...streams.values()]) peer.close(1001);
      await server.shutdown();
    },
  });
}
