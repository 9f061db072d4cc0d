/**
 * HTTP hardening (issue 10, security items 6 and 7): a malformed `Host` is the client's error,
 * answered 400 and never logged as ours; without `PARLEY_PUBLIC_URL` the same-origin checks
 * trust only a loopback `Host`; only admins create shared canned responses; pages say who may
 * frame them and every response carries `nosniff`.
 */

import assert from "node:assert/strict";
import { createLogger } from "../server/logger.ts";
import { startCustomServer } from "./helpers/custom_server.ts";
import { signIn } from "./helpers/parley_process.ts";
import { rawRequest } from "./helpers/raw_http.ts";
import { ADMIN, serverPerFile } from "./helpers/server.ts";

const PUBLIC_URL = "https://chat.example.test";
const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

/**
 * The file's shared server runs behind a (pretend) proxy at {@link PUBLIC_URL}; the tests of the
 * unconfigured case start their own.
 */
const server = serverPerFile({ env: { PARLEY_PUBLIC_URL: PUBLIC_URL } });

/** Headers that open a WebSocket upgrade (the key is any 16 bytes, base64). */
const UPGRADE = {
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-version": "13",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
};

/** `POST /api/canned` with a fresh shortcut, as `cookie`, from `origin` with `host`. */
function postCanned(base: string, cookie: string, host: string, origin: string) {
  const shortcut = `o${crypto.randomUUID().slice(0, 8)}`;
  return rawRequest(
    base,
    "POST",
    "/api/canned",
    { host, origin, cookie, ...CSRF },
    JSON.stringify({ shortcut, body: "Hello" }),
  );
}

Deno.test(
  "a malformed Host is answered 400 bad_frame and nothing is logged at error level",
  async () => {
    const lines: string[] = [];
    const srv = await startCustomServer({
      log: createLogger("info", { pid: 1 }, (line) => lines.push(line)),
    });
    try {
      // The case twenty times, then Hosts that parse but would move the path elsewhere
      // (`a/b`, `a?b`, user info) or cannot be a URL at all (a space, a port past 65535).
      const hosts = [
        ...Array(20).fill("a<b>1"),
        "a b",
        "a/b",
        "a?b",
        "a#b",
        "evil.example:80@x",
        "a\\b",
        "localhost:99999",
        "",
        "127.0.0.1, evil.example",
      ];
      for (const host of hosts) {
        for (const path of ["/healthz", "/api/agents", "/"]) {
          const res = await rawRequest(srv.url, "GET", path, { host });
          const what = `Host ${JSON.stringify(host)} ${path}`;
          assert.equal(res.status, 400, what);
          assert.deepEqual(JSON.parse(res.body), {
            error: { code: "bad_frame", message: "Invalid Host header" },
          }, what);
        }
      }
      // Well-formed Hosts, and none at all (HTTP/1.0), are served as before.
      for (const host of ["localhost:1", "127.0.0.1", "[::1]:8000", "chat.example.test", "a_b"]) {
        const res = await rawRequest(srv.url, "GET", "/healthz", { host });
        assert.equal(res.status, 200, `Host ${host}`);
      }
      assert.equal((await rawRequest(srv.url, "GET", "/healthz", {})).status, 200, "no Host");
    } finally {
      await srv.close();
    }
    // The logger writes synchronously while the response is built, so every line is in.
    const errors = lines.filter((l) => JSON.parse(l).level === "error");
    assert.deepEqual(errors, [], "nothing logged at error level");
  },
);

Deno.test(
  "without PARLEY_PUBLIC_URL only a loopback Host is trusted for the origin checks, and start-up says so",
  async () => {
    const lines: string[] = [];
    // Bound to every interface, as `deno task start` is, with no public URL configured.
    const srv = await startCustomServer({
      env: { HOST: "0.0.0.0" },
      log: createLogger("info", { pid: 1 }, (line) => lines.push(line)),
    });
    try {
      const warning = lines.map((l) => JSON.parse(l)).find((o) =>
        o.level === "warn" && String(o.msg).includes("PARLEY_PUBLIC_URL")
      );
      assert.ok(warning, `a start-up warning names PARLEY_PUBLIC_URL in ${lines.join("\n")}`);

      const cookie = await signIn(srv.url, ADMIN.email, ADMIN.password);
      const { port } = new URL(srv.url);
      // A browser on this machine: the Host it sends and its page's origin agree, as before.
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
        const res = await postCanned(srv.url, cookie, host, `http://${host}`);
        assert.equal(res.status, 201, `${host}: ${res.body}`);
      }
      // Any other Host matches an Origin only because the sender chose both: refused, with the
      // fix in the message, for the API and for the console socket.
      for (const host of ["chat.example.test", `evil.example:${port}`, `10.0.0.7:${port}`]) {
        const res = await postCanned(srv.url, cookie, host, `http://${host}`);
        assert.equal(res.status, 403, `${host}: ${res.body}`);
        const { error } = JSON.parse(res.body);
        assert.equal(error.code, "forbidden");
        assert.match(error.message, /PARLEY_PUBLIC_URL/);
        const socket = await rawRequest(srv.url, "GET", "/ws/agent", {
          host,
          origin: `http://${host}`,
          cookie,
          ...UPGRADE,
        });
        assert.equal(socket.status, 403, `socket via ${host}`);
        assert.equal(JSON.parse(socket.body).error.code, "forbidden");
      }
      // The loopback console socket still opens.
      const local = await rawRequest(srv.url, "GET", "/ws/agent", {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        cookie,
        ...UPGRADE,
      });
      assert.equal(local.status, 101);
      // A request without Origin is no browser page's: the CSRF header alone guards it, as before.
      const noOrigin = await rawRequest(srv.url, "POST", "/api/canned", {
        host: "chat.example.test",
        cookie,
        ...CSRF,
      }, JSON.stringify({ shortcut: "noorigin", body: "Hi" }));
      assert.equal(noOrigin.status, 201, noOrigin.body);
    } finally {
      await srv.close();
    }
  },
);

Deno.test("with PARLEY_PUBLIC_URL the origin checks compare with it, whatever the Host", async () => {
  const t = server();
  const cookie = await t.login(ADMIN.email, ADMIN.password);
  const ok = await postCanned(t.url, cookie, "chat.example.test", PUBLIC_URL);
  assert.equal(ok.status, 201, ok.body);
  // The Host a client sends does not make its own origin ours.
  const spoofed = await postCanned(t.url, cookie, "evil.example", "http://evil.example");
  assert.equal(spoofed.status, 403, spoofed.body);
  assert.equal(JSON.parse(spoofed.body).error.code, "forbidden");
  // Nor is loopback special once the public origin is known.
  const local = await postCanned(t.url, cookie, `127.0.0.1:${t.port}`, t.url);
  assert.equal(local.status, 403, local.body);
});

Deno.test(
  "only admins create shared canned responses; agents manage their own",
  async () => {
    const t = server();
    const agent = await t.createAgent();
    const agentCookie = await t.login(agent.email, agent.password);
    const adminCookie = await t.login(ADMIN.email, ADMIN.password);
    const call = (cookie: string, method: string, path: string, body?: unknown) =>
      fetch(`${t.url}${path}`, {
        method,
        headers: { ...CSRF, cookie },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    const refused = await call(agentCookie, "POST", "/api/canned", {
      shortcut: "team-hello",
      body: "Hello from the whole team",
      shared: true,
    });
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), {
      error: { code: "forbidden", message: "Only admins can create shared canned responses" },
    });
    const listed = await (await call(agentCookie, "GET", "/api/canned")).json();
    assert.ok(
      !listed.canned.some((c: { shortcut: string }) => c.shortcut === "team-hello"),
      "nothing was stored",
    );

    // The agent's own response: created and deleted by them.
    const own = await call(agentCookie, "POST", "/api/canned", { shortcut: "mine", body: "Hi" });
    assert.equal(own.status, 201);
    const mine = (await own.json()).canned;
    assert.equal(mine.agentId, agent.id);
    const gone = await call(agentCookie, "DELETE", `/api/canned/${mine.id}`);
    await gone.body?.cancel();
    assert.equal(gone.status, 204);

    // An admin's shared response: the agent sees it but cannot delete it; the admin can.
    const team = await call(adminCookie, "POST", "/api/canned", {
      shortcut: "team-bye",
      body: "Bye from the team",
      shared: true,
    });
    assert.equal(team.status, 201);
    const shared = (await team.json()).canned;
    assert.equal(shared.agentId, null);
    const notYours = await call(agentCookie, "DELETE", `/api/canned/${shared.id}`);
    await notYours.body?.cancel();
    assert.equal(notYours.status, 404);
    const byAdmin = await call(adminCookie, "DELETE", `/api/canned/${shared.id}`);
    await byAdmin.body?.cancel();
    assert.equal(byAdmin.status, 204);
  },
);

Deno.test(
  "pages say who may frame them, and every response carries nosniff",
  async () => {
    const t = server();
    const storefront = await fetch(`${t.url}/`);
    await storefront.body?.cancel();
    assert.equal(storefront.status, 200, "run deno task build first");
    // The demo storefront is the operator's own page: their origin may frame it, nobody else.
    assert.match(
      storefront.headers.get("content-security-policy") ?? "",
      /(^|; )frame-ancestors 'self'($|;)/,
    );
    assert.equal(storefront.headers.get("x-frame-options"), "SAMEORIGIN");
    const console = await fetch(`${t.url}/console`);
    await console.body?.cancel();
    assert.match(
      console.headers.get("content-security-policy") ?? "",
      /(^|; )frame-ancestors 'none'($|;)/,
    );

    const cookie = await t.login(ADMIN.email, ADMIN.password);
    const requests: [string, string, Record<string, string>, string?][] = [
      ["GET", "/healthz", {}],
      ["GET", "/readyz", {}],
      ["GET", "/api/agent/me", { cookie }],
      ["GET", "/api/agents", {}],
      ["GET", "/api/canned", { cookie }],
      ["GET", "/api/conversations/not-an-id", { cookie }],
      ["GET", "/nowhere", {}],
      ["PUT", "/api/canned", { cookie, ...CSRF }, "{}"],
      ["POST", "/api/canned", { cookie, ...CSRF }, "{not json"],
      ["POST", "/api/agent/logout", { cookie: "parley_session=none", ...CSRF }, "{}"],
      ["GET", "/widget.js", {}],
    ];
    for (const [method, path, headers, body] of requests) {
      const res = await fetch(`${t.url}${path}`, { method, headers, body });
      await res.body?.cancel();
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", `${method} ${path}`);
    }
  },
);
