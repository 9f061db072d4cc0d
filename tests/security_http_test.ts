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
