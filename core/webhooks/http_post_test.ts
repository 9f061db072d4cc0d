import assert from "node:assert/strict";
import { MAX_RESPONSE_BYTES, postWebhook, WebhookRequestError } from "./http_post.ts";

/** A raw TCP server on 127.0.0.1 that hands each connection to `serve`. */
function rawServer(serve: (conn: Deno.Conn, request: string) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const requests: string[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(65536);
        let text = "";
        while (!text.includes("\r\n\r\n")) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) return;
          text += new TextDecoder().decode(buf.subarray(0, n));
        }
        requests.push(text);
        await serve(conn, text).catch(() => {});
      })();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    requests,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // Closed by the test already.
        }
      }
      await done.catch(() => {});
    },
  };
}

const answer = (text: string) => async (conn: Deno.Conn) => {
  await conn.write(new TextEncoder().encode(text));
  conn.close();
};

async function refused(p: Promise<unknown>): Promise<WebhookRequestError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WebhookRequestError, String(err));
    return err;
  }
  throw new Error("expected a WebhookRequestError");
}

const OPTS = { allowPrivate: true, timeoutMs: 2000 };

Deno.test("postWebhook() sends one POST and returns the status without following a redirect", async () => {
  const server = rawServer(answer("HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/\r\n\r\n"));
  try {
    const url = new URL(`http://127.0.0.1:${server.port}/in?x=1`);
    const res = await postWebhook(url, { "X-Parley-Event": "ping" }, '{"a":1}', OPTS);
    assert.equal(res.status, 302);
    assert.equal(server.requests.length, 1);
    const head = server.requests[0];
    assert.match(head, /^POST \/in\?x=1 HTTP\/1\.1\r\n/);
    assert.match(head, new RegExp(`\r\nHost: 127\\.0\\.0\\.1:${server.port}\r\n`));
    assert.match(head, /\r\nX-Parley-Event: ping\r\n/);
    assert.match(head, /\r\nContent-Length: 7\r\n/);
  } finally {
    await server.close();
  }
});

Deno.test("postWebhook() refuses private and loopback addresses unless allowed, by every address a name resolves to", async () => {
  const opts = { allowPrivate: false, timeoutMs: 2000 };
  for (const url of ["http://127.0.0.1:9/", "https://[::1]/", "https://[::ffff:127.0.0.1]/"]) {
    const err = await refused(postWebhook(new URL(url), {}, "{}", opts));
    assert.equal(err.code, "blocked_address", url);
  }
  for (
    const addresses of [["10.0.0.8"], ["93.184.216.34", "169.254.169.254"], ["::ffff:192.168.0.1"]]
  ) {
    const err = await refused(
      postWebhook(new URL("https://hooks.example.com/"), {}, "{}", {
        ...opts,
        resolve: () => Promise.resolve(addresses),
      }),
    );
    assert.equal(err.code, "blocked_address", addresses.join());
  }
  const none = await refused(
    postWebhook(new URL("https://nowhere.example/"), {}, "{}", {
      ...opts,
      resolve: () => Promise.resolve([]),
    }),
  );
  assert.equal(none.code, "dns");
});

Deno.test("postWebhook() connects to the address it checked, with the URL's host name", async () => {
  const server = rawServer(answer("HTTP/1.1 204 No Content\r\n\r\n"));
  try {
    const resolved: string[] = [];
    const res = await postWebhook(new URL(`http://hooks.test:${server.port}/`), {}, "{}", {
      ...OPTS,
      resolve: (host) => {
        resolved.push(host);
        return Promise.resolve(["127.0.0.1"]);
      },
    });
    assert.equal(res.status, 204);
    assert.deepEqual(resolved, ["hooks.test"]);
    assert.match(server.requests[0], new RegExp(`\r\nHost: hooks\\.test:${server.port}\r\n`));
  } finally {
    await server.close();
  }
});

Deno.test("postWebhook() gives up on a receiver that does not answer within the timeout", async () => {
  const server = rawServer(() => new Promise(() => {}));
  try {
    const started = Date.now();
    const err = await refused(
      postWebhook(new URL(`http://127.0.0.1:${server.port}/`), {}, "{}", {
        allowPrivate: true,
        timeoutMs: 300,
      }),
    );
    assert.equal(err.code, "timeout");
    assert.ok(Date.now() - started < 5000);
  } finally {
    await server.close();
  }
});

Deno.test("postWebhook() reads at most 64 KiB of an answer", async () => {
  const huge = "HTTP/1.1 200 OK\r\nX-Filler: " + "a".repeat(MAX_RESPONSE_BYTES * 2);
  const server = rawServer(async (conn) => {
    await conn.write(new TextEncoder().encode(huge)).catch(() => 0);
  });
  try {
    const err = await refused(
      postWebhook(new URL(`http://127.0.0.1:${server.port}/`), {}, "{}", OPTS),
    );
    assert.equal(err.code, "too_large");
  } finally {
    await server.close();
  }
});

Deno.test("postWebhook() reports a closed port as a connection failure", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const err = await refused(postWebhook(new URL(`http://127.0.0.1:${port}/`), {}, "{}", OPTS));
  assert.equal(err.code, "connect");
  assert.match(err.message, /^Could not connect to 127\.0\.0\.1:\d+/);
});
