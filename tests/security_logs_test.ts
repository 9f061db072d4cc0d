/**
 * Observability without leaks: every log line is one JSON object with a time, a level and a
 * message; lines about a socket or a request carry its id; and no password, session token,
 * visitor token, identity hash or signing secret is ever written, whatever happens.
 */

import assert from "node:assert/strict";
import { hmacHex, randomToken } from "../core/accounts/tokens.ts";
import { createLogger } from "../server/logger.ts";
import { startCustomServer } from "./helpers/custom_server.ts";
import { RawSocket } from "./helpers/raw_ws.ts";
import { ADMIN } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";
import { PATIENCE_MS } from "./helpers/wait.ts";

Deno.test(
  "logs are structured JSON with socket or request ids and never hold a secret",
  async () => {
    const lines: string[] = [];
    const secret = `signing-${randomToken(24)}`;
    const srv = await startCustomServer({
      log: createLogger("info", { pid: 1 }, (line) => lines.push(line)),
      env: {
        PARLEY_SECRET: secret,
        // The timeout must exceed the interval plus the 1 s sweep tick, or live peers go too.
        PARLEY_HEARTBEAT_MS: "500",
        PARLEY_HEARTBEAT_TIMEOUT_MS: "2500",
      },
    });
    const secrets: string[] = [secret, ADMIN.password];
    try {
      const post = (path: string, body: unknown, cookie = "") =>
        fetch(`${srv.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-parley-csrf": "1", cookie },
          body: JSON.stringify(body),
        });
      // A wrong password, then the right one.
      const wrong = "not-the-admin-password-9";
      secrets.push(wrong);
      await (await post("/api/agent/login", { email: ADMIN.email, password: wrong })).body
        ?.cancel();
      const ok = await post("/api/agent/login", { email: ADMIN.email, password: ADMIN.password });
      await ok.body?.cancel();
      const cookie = (ok.headers.get("set-cookie") ?? "").split(";")[0];
      secrets.push(cookie.split("=")[1]);
      // Creating an agent and changing a password.
      const newPassword = "brand-new-password-7";
      secrets.push(newPassword, "agent-initial-password-3");
      await (await post("/api/agents", {
        email: "c@test.local",
        name: "C",
        password: "agent-initial-password-3",
      }, cookie)).body?.cancel();
      await (await post("/api/agent/me/password", {
        currentPassword: ADMIN.password,
        newPassword,
      }, cookie)).body?.cancel();

      // A visitor session: token, identity hash, messages.
      const agent = await TestSocket.open(`${srv.wsUrl}/ws/agent`, { cookie });
      await agent.nextOf("welcome");
      const visitor = await TestSocket.open(`${srv.wsUrl}/ws/visitor`);
      visitor.send({ type: "hello", site: "demo" });
      const token = String((await visitor.nextOf("welcome")).token);
      secrets.push(token);
      const site = await srv.store.getSite("demo");
      secrets.push(site!.identitySecret);
      const hash = await hmacHex(site!.identitySecret, "user-1");
      secrets.push(hash);
      visitor.send({ type: "identify", id: "user-1", hash });
      await visitor.nextOf("identity");
      visitor.send({ type: "message", clientId: "m1", body: "hello" });
      await visitor.nextOf("ack");
      // A refused token and a garbage frame.
      const forged = `${token.slice(0, -4)}AAAA`;
      secrets.push(forged);
      const bad = await TestSocket.open(`${srv.wsUrl}/ws/visitor`);
      bad.send({ type: "hello", site: "demo", token: forged });
      await bad.closed;
      // A peer that goes silent: the heartbeat closes it and the close is logged.
      const silent = await RawSocket.open(`${srv.wsUrl}/ws/visitor`);
      await silent.sendText(JSON.stringify({ type: "hello", site: "demo" }));
      // Read (never answering its pings) until the server closes it.
      for (;;) {
        const frame = await silent.readFrame(PATIENCE_MS);
        if (frame === null || frame.opcode === 8) break;
      }
      silent.abort();
      // Sign out everywhere.
      await (await post("/api/agent/logout-all", {}, cookie)).body?.cancel();
      await agent.closed;
      await visitor.close();
    } finally {
      await srv.close();
    }

    assert.ok(lines.length >= 3, `got ${lines.length} lines`);
    for (const line of lines) {
      const o = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof o.time, "string", line);
      assert.ok(["info", "warn", "error"].includes(String(o.level)), line);
      assert.equal(typeof o.msg, "string", line);
      if (/socket|peer|frame/.test(String(o.msg))) {
        assert.match(String(o.socket), /^s[0-9a-z]+$/, `socket id in ${line}`);
      }
      if (o.msg === "request failed" || o.msg === "request") {
        assert.match(String(o.requestId), /^[A-Za-z0-9._:-]{1,128}$/, line);
      }
    }
    const closes = lines.map((l) => JSON.parse(l)).filter((o) => o.msg === "closing socket");
    assert.equal(closes.length, 1, "only the silent peer was closed");
    assert.equal(closes[0].code, 4008, "the heartbeat close is logged");
    assert.ok(closes.every((o) => typeof o.requestId === "string"), "with the upgrade request id");
    const all = lines.join("\n");
    for (const s of secrets) {
      assert.ok(s.length >= 8 && !all.includes(s), `a secret reached the logs: ${s.slice(0, 6)}…`);
    }
  },
);
