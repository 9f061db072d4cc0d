/**
 * A scripted stand-in for the Parley server, for console UI tests that must not depend on the
 * real core: it serves the built console under the production CSP, answers the HTTP API from
 * in-memory fixtures and speaks the agent socket protocol. Tests push frames, inspect what the
 * console sent, and drop sockets to exercise reconnects.
 *
 * @module
 */

import type {
  AgentClientFrame,
  AgentInfo,
  AgentServerFrame,
  ConversationSummary,
  Message,
  VisitorInfo,
} from "../protocol/frames.ts";
import { parseAgentFrame } from "../protocol/frames.ts";
import type { CannedResponse } from "../db/store.ts";
// The console runs under the CSP the real server sends.
import { CONSOLE_CSP } from "../routes/assets.ts";
import { PATIENCE_MS } from "./helpers/wait.ts";
import { type FakeSites, siteRoutes } from "./console_fake_sites.ts";
import { type FakeReports, reportRoutes } from "./console_fake_reports.ts";

/** In-memory fixtures. */
export interface FakeData {
  agents: AgentInfo[];
  passwords: Record<string, string>;
  conversations: ConversationSummary[];
  messages: Message[];
  visitors: VisitorInfo[];
  canned: CannedResponse[];
  /** Sites and their identity secrets (`console_fake_sites.ts`). */
  sites: FakeSites;
  /** Reports and labels (`console_fake_reports.ts`); absent: those endpoints answer 404. */
  reports?: FakeReports;
}

/** A running fake server. */
export interface FakeServer {
  url: string;
  data: FakeData;
  /** Every frame the console sent on any agent socket. */
  received: AgentClientFrame[];
  /** Every HTTP API request, as `METHOD /path?query`, in order. */
  requests: string[];
  /** Sends a frame to every open agent socket. */
  push(frame: AgentServerFrame): void;
  /** Closes every agent socket with `code` (1012 = restart). */
  dropSockets(code?: number): void;
  /** While true, `message` frames are recorded but neither stored nor acknowledged. */
  holdMessages: boolean;
  /** Number of open agent sockets. */
  readonly socketCount: number;
  /** Waits until a frame matching `pred` was received. */
  waitFor(pred: (f: AgentClientFrame) => boolean, timeoutMs?: number): Promise<AgentClientFrame>;
  close(): Promise<void>;
}

const json = (body: unknown, status = 200, headers: HeadersInit = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
const err = (status: number, code: string, message: string) =>
  json({ error: { code, message } }, status);

/** Starts the fake server serving the console built into `distDir`. */
export function startFakeServer(distDir: string, data: FakeData): Promise<FakeServer> {
  const sessions = new Map<string, string>(); // token -> agent id
  const sockets = new Set<WebSocket>();
  const received: AgentClientFrame[] = [];
  const requests: string[] = [];
  const waiters: { pred: (f: AgentClientFrame) => boolean; resolve(f: AgentClientFrame): void }[] =
    [];
  let seqId = 1000;

  const agentOf = (req: Request): AgentInfo | null => {
    const token = /parley_session=([^;]+)/.exec(req.headers.get("cookie") ?? "")?.[1];
    const id = token ? sessions.get(token) : undefined;
    return data.agents.find((a) => a.id === id) ?? null;
  };
  const send = (ws: WebSocket, f: AgentServerFrame) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(f));
  };
  const broadcast = (f: AgentServerFrame) => {
    for (const ws of sockets) send(ws, f);
  };
  const summary = (id: string) => data.conversations.find((c) => c.id === id);

  function onFrame(ws: WebSocket, me: AgentInfo, f: AgentClientFrame) {
    received.push(f);
    for (const w of [...waiters]) {
      if (w.pred(f)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(f);
      }
    }
    const now = new Date().toISOString();
    switch (f.type) {
      case "message": {
        if (fake.holdMessages) return;
        const c = summary(f.conversationId);
        if (!c) {
          return send(ws, {
            type: "error",
            code: "not_found",
            message: "No such conversation",
            clientId: f.clientId,
          });
        }
        const m: Message = {
          id: `m${++seqId}`,
          conversationId: c.id,
          seq: c.lastSeq + 1,
          authorKind: "agent",
          authorId: me.id,
          authorName: me.name,
          clientId: f.clientId,
          body: f.body,
          note: f.note ?? false,
          createdAt: now,
        };
        data.messages.push(m);
        c.lastSeq = m.seq;
        c.updatedAt = now;
        if (!m.note) c.lastMessage = { body: m.body, authorKind: "agent", createdAt: now };
        if (!m.note && c.status === "queued") {
          c.status = "open";
          c.assigneeId = me.id;
        }
        send(ws, {
          type: "ack",
          clientId: f.clientId,
          messageId: m.id,
          conversationId: c.id,
          seq: m.seq,
          createdAt: now,
        });
        broadcast({ type: "message", message: m });
        broadcast({ type: "conversation", conversation: { ...c } });
        return;
      }
      case "accept":
      case "transfer":
      case "unassign":
      case "resolve":
      case "reopen": {
        const c = summary(f.conversationId);
        if (!c) return;
        if (f.type === "accept") {
          if (c.assigneeId !== null) {
            return send(ws, {
              type: "error",
              code: "conflict",
              message: "Someone else already accepted this conversation",
              conversationId: c.id,
            });
          }
          c.assigneeId = me.id;
          c.status = "open";
        } else if (f.type === "transfer") {
          c.assigneeId = f.agentId;
          c.status = "open";
        } else if (f.type === "unassign") {
          c.assigneeId = null;
          c.status = "queued";
        } else if (f.type === "resolve") c.status = "resolved";
        else c.status = c.assigneeId ? "open" : "queued";
        c.updatedAt = now;
        broadcast({ type: "conversation", conversation: { ...c } });
        return;
      }
      case "sync": {
        let list = data.messages.filter((m) => m.conversationId === f.conversationId);
        if (f.afterSeq !== undefined) list = list.filter((m) => m.seq > (f.afterSeq ?? 0));
        if (f.beforeSeq !== undefined) list = list.filter((m) => m.seq < (f.beforeSeq ?? 0));
        const limit = f.limit ?? 50;
        const page = f.afterSeq !== undefined ? list.slice(0, limit) : list.slice(-limit);
        const hasMore = page.length > 0 &&
          data.messages.some((m) => m.conversationId === f.conversationId && m.seq < page[0].seq);
        return send(ws, {
          type: "history",
          conversationId: f.conversationId,
          messages: page,
          hasMore,
        });
      }
      case "visitor": {
        const v = data.visitors.find((x) => x.id === f.visitorId);
        if (v) send(ws, { type: "visitor", visitor: v });
        return;
      }
      case "presence": {
        me.status = f.status;
        broadcast({ type: "agent", agent: { ...me } });
        return;
      }
      case "read": {
        const c = summary(f.conversationId);
        if (c) c.readSeq = Math.max(c.readSeq, f.seq);
        return;
      }
      default:
        return;
    }
  }

  async function file(path: string): Promise<Response> {
    try {
      const body = await Deno.readFile(`${distDir}/${path}`);
      const type = path.endsWith(".js")
        ? "text/javascript"
        : path.endsWith(".css")
        ? "text/css"
        : "text/html; charset=utf-8";
      const headers: Record<string, string> = { "content-type": type };
      if (path.endsWith(".html")) {
        headers["content-security-policy"] = CONSOLE_CSP;
        headers["cache-control"] = "no-cache";
      }
      return new Response(body, { headers });
    } catch {
      return new Response("not found", { status: 404 });
    }
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const p = url.pathname;
    if (p === "/console" || p.startsWith("/console/")) return file("console.html");
    if (p.startsWith("/assets/")) return file(p.slice(1));
    if (p === "/ws/agent") {
      const me = agentOf(req);
      if (!me) return err(401, "unauthorized", "Sign in first");
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onopen = () => {
        sockets.add(socket);
        send(socket, {
          type: "welcome",
          agent: me,
          agents: data.agents,
          conversations: data.conversations.map((c) => ({ ...c })),
          heartbeatMs: 25_000,
        });
      };
      // Validate exactly as the real server does, so a malformed console frame fails the test.
      socket.onmessage = (e) => onFrame(socket, me, parseAgentFrame(String(e.data)));
      socket.onclose = () => sockets.delete(socket);
      return response;
    }
    if (p.startsWith("/api/")) requests.push(`${req.method} ${p}${url.search}`);
    if (req.method !== "GET" && req.headers.get("x-parley-csrf") !== "1") {
      return err(403, "forbidden", "Missing CSRF header");
    }
    if (p === "/api/agent/login" && req.method === "POST") {
      const body = await req.json();
      const a = data.agents.find((x) => x.email === body.email);
      if (!a || data.passwords[a.email] !== body.password) {
        return err(401, "unauthorized", "Wrong email or password");
      }
      const token = crypto.randomUUID();
      sessions.set(token, a.id);
      return json({ agent: a }, 200, {
        "set-cookie": `parley_session=${token}; HttpOnly; SameSite=Lax; Path=/`,
      });
    }
    const me = agentOf(req);
    if (!me) return err(401, "unauthorized", "Sign in first");
    if (p === "/api/agent/me") return json({ agent: me });
    if (p === "/api/agent/logout") return new Response(null, { status: 204 });
    if (p === "/api/agents") return json({ agents: data.agents });
    const sites = await siteRoutes({
      req,
      url,
      me,
      agents: data.agents,
      passwords: data.passwords,
      conversations: data.conversations,
      state: data.sites,
      broadcast,
    });
    if (sites) return sites;
    const reports = data.reports &&
      await reportRoutes({ req, url, me, agents: data.agents, state: data.reports });
    if (reports) return reports;
    if (p === "/api/canned" && req.method === "GET") return json({ canned: data.canned });
    if (p === "/api/canned" && req.method === "POST") {
      const body = await req.json();
      const c: CannedResponse = {
        id: `k${++seqId}`,
        agentId: body.shared ? null : me.id,
        shortcut: body.shortcut,
        body: body.body,
        createdAt: new Date().toISOString(),
      };
      data.canned.push(c);
      return json({ canned: c }, 201);
    }
    if (p === "/api/search") {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      const hits = data.messages.filter((m) => m.body.toLowerCase().includes(q)).map((m) => ({
        message: m,
        visitorName: data.conversations.find((c) => c.id === m.conversationId)?.visitorName ?? "",
        rank: 1,
      }));
      return json({ hits });
    }
    const visitor = /^\/api\/visitors\/([^/]+)$/.exec(p);
    if (visitor) {
      const v = data.visitors.find((x) => x.id === visitor[1]);
      if (!v) return err(404, "not_found", "No such visitor");
      return json({
        visitor: v,
        conversations: data.conversations.filter((c) => c.visitorId === v.id),
      });
    }
    if (p === "/api/conversations") {
      // Like the server: by status (default open work), site, then the agent's own sites.
      const status = (url.searchParams.get("status") ?? "queued,open").split(",");
      const site = url.searchParams.get("site");
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const list = data.conversations.filter((c) =>
        status.includes(c.status) && (site === null || c.siteId === site) &&
        (me.sites.length === 0 || me.sites.includes(c.siteId))
      );
      return json({ conversations: list.slice(0, limit) });
    }
    return err(404, "not_found", "No such endpoint");
  });

  const fake: FakeServer = {
    holdMessages: false,
    url: `http://127.0.0.1:${server.addr.port}`,
    data,
    received,
    requests,
    push: broadcast,
    dropSockets(code = 1012) {
      for (const ws of sockets) ws.close(code, "test");
      sockets.clear();
    },
    get socketCount() {
      return sockets.size;
    },
    waitFor(pred, timeoutMs = PATIENCE_MS) {
      const hit = received.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (f: AgentClientFrame) => (clearTimeout(t), resolve(f)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error("Timed out waiting for a console frame"));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    async close() {
      for (const ws of sockets) ws.close(1001, "bye");
      await server.shutdown();
    },
  };
  return Promise.resolve(fake);
}
