/**
 * Sites over HTTP against a real server (issue 11): admins manage sites through `/api/sites`,
 * agents cannot, every field is validated by name, a site with conversations is deleted only
 * when forced, the identity secret is shown on creation and rotation only; the widget's public
 * settings are resolved per locale, cached with revalidation and refused to origins the site
 * does not allow; a visitor's `welcome` carries the site's team texts and business hours.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile, type TestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const JSON_TYPE = { "content-type": "application/json" };
const CSRF = { ...JSON_TYPE, "x-parley-csrf": "1" };

/** One server for the file; each test makes its own sites. */
const server = serverPerFile();

let adminCookie: Promise<string> | null = null;
/** The admin's session, signed in once for the file. */
function admin(t: TestServer): Promise<string> {
  return adminCookie ??= t.login(ADMIN.email, ADMIN.password);
}

/** A JSON answer: status, headers and parsed body (null when empty). */
interface Answer {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any -- a test reads whatever the server answered
  body: any;
  text: string;
}

async function call(
  t: TestServer,
  method: string,
  path: string,
  opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(method === "GET" || method === "HEAD" ? {} : CSRF),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...opts.headers,
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
}

/** Creates a site as the admin; returns its record and secret. */
async function createSite(t: TestServer, body: Record<string, unknown>) {
  const res = await call(t, "POST", "/api/sites", { cookie: await admin(t), body });
  assert.equal(res.status, 201, res.text);
  return res.body as { site: Record<string, unknown> & { id: string }; identitySecret: string };
}

function unique(): string {
  return crypto.randomUUID().slice(0, 8);
}

Deno.test("admins create, list, read, edit and delete sites", async () => {
  const t = server();
  const cookie = await admin(t);
  const name = `Fernhill Garden ${unique()}`;
  const first = await createSite(t, { name });
  const slug = name.toLowerCase().replaceAll(" ", "-");
  assert.equal(first.site.id, slug);
  assert.equal(first.site.name, name);
  assert.equal(first.site.color, "#3b4fd8");
  assert.deepEqual(first.site.allowedOrigins, []);
  assert.equal(first.site.conversationCount, 0);
  assert.match(first.site.createdAt as string, /^\d{4}-\d\d-\d\dT/);

  const second = await createSite(t, { name });
  assert.equal(second.site.id, `${slug}-2`, "a taken slug is numbered");
  const taken = await call(t, "POST", "/api/sites", { cookie, body: { id: slug, name: "X" } });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.error.code, "conflict");

  const list = await call(t, "GET", "/api/sites", { cookie });
  assert.equal(list.status, 200);
  const ids = (list.body.sites as { id: string }[]).map((s) => s.id);
  assert.ok(ids.includes(slug) && ids.includes(`${slug}-2`) && ids.includes("demo"));

  const patched = await call(t, "PATCH", `/api/sites/${slug}`, {
    cookie,
    body: {
      name: "Fernhill",
      allowedOrigins: ["https://fernhill.example"],
      autoAssign: true,
      color: "#FFD43B",
      greeting: { en: "Hello!", fr: "Bonjour !" },
      businessHours: { timezone: "Europe/Paris", days: { mon: [["09:00", "17:30"]] } },
    },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.site.name, "Fernhill");
  assert.equal(patched.body.site.color, "#ffd43b");
  assert.equal(patched.body.site.autoAssign, true);
  const read = await call(t, "GET", `/api/sites/${slug}`, { cookie });
  assert.equal(read.status, 200);
  assert.deepEqual(read.body.site, patched.body.site);
  assert.deepEqual(read.body.site.greeting, { en: "Hello!", fr: "Bonjour !" });

  const removed = await call(t, "DELETE", `/api/sites/${slug}`, { cookie });
  assert.equal(removed.status, 204);
  for (
    const [method, path] of [
      ["GET", `/api/sites/${slug}`],
      ["PATCH", `/api/sites/${slug}`],
      ["DELETE", `/api/sites/${slug}`],
      ["POST", `/api/sites/${slug}/identity-secret`],
      ["GET", "/api/sites/No_Such_Site"],
    ]
  ) {
    const res = await call(t, method, path, {
      cookie,
      ...(method === "PATCH" ? { body: {} } : {}),
    });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.error.code, "not_found");
  }
});

Deno.test("the identity secret is shown on creation and rotation only", async () => {
  const t = server();
  const cookie = await admin(t);
  const { site, identitySecret } = await createSite(t, { id: `secret-${unique()}`, name: "S" });
  assert.match(identitySecret, /^[0-9a-f]{64}$/);
  assert.equal((await t.store.getSite(site.id))?.identitySecret, identitySecret);
  assert.ok(!("identitySecret" in site));

  const rotated = await call(t, "POST", `/api/sites/${site.id}/identity-secret`, { cookie });
  assert.equal(rotated.status, 200);
  const fresh = rotated.body.identitySecret as string;
  assert.match(fresh, /^[0-9a-f]{64}$/);
  assert.notEqual(fresh, identitySecret);
  assert.equal((await t.store.getSite(site.id))?.identitySecret, fresh);

  const list = await call(t, "GET", "/api/sites", { cookie });
  const read = await call(t, "GET", `/api/sites/${site.id}`, { cookie });
  const patched = await call(t, "PATCH", `/api/sites/${site.id}`, { cookie, body: { name: "T" } });
  for (const res of [list, read, patched]) {
    assert.equal(res.status, 200);
    assert.ok(!res.text.includes(fresh) && !res.text.includes(identitySecret));
    assert.ok(!res.text.includes("identitySecret"));
  }
});

Deno.test("an agent cannot manage sites, no session is 401, a missing CSRF header is 403", async () => {
  const t = server();
  const cookie = await admin(t);
  const { site } = await createSite(t, { id: `guarded-${unique()}`, name: "Guarded" });
  const agent = await t.createAgent();
  const agentCookie = await t.login(agent.email, agent.password);
  const endpoints: [string, string, unknown?][] = [
    ["GET", "/api/sites"],
    ["POST", "/api/sites", { name: "Mine" }],
    ["POST", "/api/sites", { name: "" }],
    ["GET", `/api/sites/${site.id}`],
    ["PATCH", `/api/sites/${site.id}`, { color: "#000000" }],
    ["PATCH", `/api/sites/${site.id}`, { color: "not a colour" }],
    ["DELETE", `/api/sites/${site.id}?force=true`],
    ["POST", `/api/sites/${site.id}/identity-secret`],
  ];
  for (const [method, path, body] of endpoints) {
    const res = await call(t, method, path, { cookie: agentCookie, body });
    assert.equal(res.status, 403, `agent ${method} ${path}`);
    assert.equal(res.body.error.code, "forbidden");
    const anonymous = await call(t, method, path, { body });
    assert.equal(anonymous.status, 401, `anonymous ${method} ${path}`);
    assert.equal(anonymous.body.error.code, "unauthorized");
  }
  for (const [method, path, body] of endpoints.filter(([m]) => m !== "GET")) {
    const noCsrf = await call(t, method, path, { cookie, body, headers: { "x-parley-csrf": "" } });
    assert.equal(noCsrf.status, 403, `no CSRF ${method} ${path}`);
    const crossSite = await call(t, method, path, {
      cookie,
      body,
      headers: { origin: "https://evil.example" },
    });
    assert.equal(crossSite.status, 403, `cross-origin ${method} ${path}`);
  }
  const after = await t.store.getSite(site.id);
  assert.equal(after?.settings.color, "#3b4fd8", "nothing was changed");
  assert.equal((await t.store.listSites()).some((s) => s.name === "Mine"), false);
});

Deno.test("each invalid field is refused with 400 bad_frame naming it", async () => {
  const t = server();
  const cookie = await admin(t);
  const cases: [Record<string, unknown>, string][] = [
    [{ name: "" }, "name"],
    [{ name: "x".repeat(81) }, "name"],
    [{ id: "Bad Id", name: "S" }, "id"],
    [{ name: "S", allowedOrigins: ["https://a.example/shop"] }, "allowedOrigins[0]"],
    [{ name: "S", requireVerified: "yes" }, "requireVerified"],
    [{ name: "S", autoAssign: 1 }, "autoAssign"],
    [{ name: "S", color: "red" }, "color"],
    [{ name: "S", position: "middle" }, "position"],
    [{ name: "S", launcherLabel: "x".repeat(81) }, "launcherLabel"],
    [{ name: "S", greeting: { en: "x".repeat(501) } }, "greeting.en"],
    [{ name: "S", teamName: { klingon: "Qapla'" } }, "teamName"],
    [{ name: "S", replyTime: 60 }, "replyTime"],
    [{ name: "S", awayMessage: "x".repeat(501) }, "awayMessage"],
    [{ name: "S", locale: "xx" }, "locale"],
    [{ name: "S", matchBrowserLocale: "no" }, "matchBrowserLocale"],
    [{ name: "S", askEmail: null }, "askEmail"],
    [
      { name: "S", businessHours: { timezone: "Nowhere/City", days: {} } },
      "businessHours.timezone",
    ],
    [
      { name: "S", businessHours: { timezone: "UTC", days: { mon: [["18:00", "09:00"]] } } },
      "businessHours.days.mon[0]",
    ],
    [
      {
        name: "S",
        businessHours: { timezone: "UTC", days: { fri: [["09:00", "13:00"], ["12:00", "18:00"]] } },
      },
      "businessHours.days.fri",
    ],
    [{ name: "S", secret: "x" }, "secret"],
    [{ name: "S", senderName: "Acme\r\nBcc: victim@example.com" }, "senderName"],
    [{ name: "S", senderName: "Acme\nSupport" }, "senderName"],
    [{ name: "S", senderName: "x".repeat(81) }, "senderName"],
    [{ name: "S", senderName: 7 }, "senderName"],
    [{ name: "S", replyTo: "not an address" }, "replyTo"],
    [{ name: "S", replyTo: "a@b.example\r\nBcc: c@d.example" }, "replyTo"],
    [{ name: "S", replyTo: "Acme <help@acme.example>" }, "replyTo"],
    [{ name: "S", notificationEmail: "team@" }, "notificationEmail"],
  ];
  for (const [body, field] of cases) {
    const res = await call(t, "POST", "/api/sites", { cookie, body });
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
    assert.equal(res.body.error.code, "bad_frame");
    assert.ok(res.body.error.message.includes(field), `"${res.body.error.message}" names ${field}`);
  }
  // Every text at its longest in every locale, in a two-byte script: still accepted.
  const everywhere = (n: number) =>
    Object.fromEntries(
      ["en", "fr", "de", "es", "pt", "it", "nl", "ar", "he"].map((l) => [l, "ش".repeat(n)]),
    );
  const full = await call(t, "POST", "/api/sites", {
    cookie,
    body: {
      name: "Full",
      greeting: everywhere(500),
      awayMessage: everywhere(500),
      launcherLabel: everywhere(80),
      teamName: everywhere(80),
      replyTime: everywhere(80),
    },
  });
  assert.equal(full.status, 201, full.text.slice(0, 200));

  const { site } = await createSite(t, { id: `valid-${unique()}`, name: "Valid" });
  for (const [body, field] of cases.slice(1)) {
    const { name: _, ...patch } = body;
    if (Object.keys(patch).length === 0) continue;
    const res = await call(t, "PATCH", `/api/sites/${site.id}`, { cookie, body: patch });
    assert.equal(res.status, 400, `PATCH ${JSON.stringify(patch).slice(0, 80)}`);
    assert.ok(res.body.error.message.includes(field));
  }
  const renamed = await call(t, "PATCH", `/api/sites/${site.id}`, {
    cookie,
    body: { id: "other" },
  });
  assert.equal(renamed.status, 400);
  const unchanged = await call(t, "GET", `/api/sites/${site.id}`, { cookie });
  assert.deepEqual(unchanged.body.site, site, "refused patches change nothing");
});

/** Opens a visitor socket on `siteId`, sends hello and returns it with its `welcome`. */
async function visitor(t: TestServer, hello: Record<string, unknown>) {
  const socket = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
  socket.send({ type: "hello", ...hello });
  return { socket, welcome: await socket.nextOf("welcome") };
}

Deno.test("a site with conversations is deleted only with force=true, with them", async () => {
  const t = server();
  const cookie = await admin(t);
  const { site } = await createSite(t, { id: `busy-${unique()}`, name: "Busy" });
  const { socket } = await visitor(t, { site: site.id });
  socket.send({ type: "message", clientId: "c-1", body: "Is my order shipped?" });
  const ack = await socket.nextOf("ack");
  await socket.close();
  const listed = await call(t, "GET", `/api/sites/${site.id}`, { cookie });
  assert.equal(listed.body.site.conversationCount, 1);

  const refused = await call(t, "DELETE", `/api/sites/${site.id}`, { cookie });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, "conflict");
  assert.match(refused.body.error.message, /1 conversation\b/);
  const badForce = await call(t, "DELETE", `/api/sites/${site.id}?force=yes`, { cookie });
  assert.equal(badForce.status, 400);
  assert.notEqual(await t.store.getSite(site.id), null);

  const forced = await call(t, "DELETE", `/api/sites/${site.id}?force=true`, { cookie });
  assert.equal(forced.status, 204);
  assert.equal(await t.store.getSite(site.id), null);
  assert.equal(await t.store.getConversation(ack.conversationId as string), null);
});

Deno.test("the widget reads its site's settings resolved for the visitor's locale", async () => {
  const t = server();
  const { site } = await createSite(t, {
    id: `public-${unique()}`,
    name: "Public",
    color: "#ffd43b",
    locale: "fr",
    greeting: { en: "Hello!", fr: "Bonjour !" },
    teamName: "Fernhill",
    launcherLabel: { de: "Chat starten" },
  });
  const path = `/api/widget/sites/${site.id}`;
  const plain = await call(t, "GET", path);
  assert.equal(plain.status, 200, plain.text);
  assert.equal(plain.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(plain.headers.get("cache-control"), "no-cache");
  // Strong as sent; a Deno.serve that compresses the JSON for a client accepting gzip marks it
  // weak on the way out (Deno 2.5, which Deno Deploy runs, does).
  assert.match(plain.headers.get("etag") ?? "", /^(W\/)?"[0-9a-f]{32}"$/);
  assert.match(plain.headers.get("vary") ?? "", /Origin/);
  assert.equal(plain.headers.get("access-control-allow-origin"), null);
  assert.deepEqual(plain.body, {
    site: site.id,
    locale: "fr",
    dir: "ltr",
    color: "#ffd43b",
    colorText: "#000000",
    position: "right",
    openLabel: "Ouvrir le chat",
    closeLabel: "Fermer le chat",
    launcherLabel: null,
    greeting: "Bonjour !",
    teamName: "Fernhill",
    replyTime: null,
    awayMessage: null,
    askEmail: true,
    businessHours: null,
    open: true,
    nextOpen: null,
    uploads: { maxBytes: 10 * 1024 * 1024, types: ["image", "pdf", "text", "office"] },
  });
  assert.ok(!plain.text.includes("identitySecret") && !plain.text.includes("allowedOrigins"));

  const browser = (await call(t, "GET", `${path}?languages=${encodeURIComponent("ja,de-DE,en")}`))
    .body;
  assert.equal(browser.locale, "de");
  assert.equal(browser.openLabel, "Chat starten");
  assert.equal(browser.launcherLabel, "Chat starten");
  assert.equal(browser.greeting, "Bonjour !", "a text without German falls back to French");

  const arabic = (await call(t, "GET", `${path}?locale=ar&languages=en`)).body;
  assert.equal(arabic.locale, "ar");
  assert.equal(arabic.dir, "rtl");
  assert.equal(arabic.openLabel, "فتح الدردشة");
  assert.equal((await call(t, "GET", `${path}?locale=he-IL`)).body.dir, "rtl");
  assert.equal((await call(t, "GET", `${path}?locale=zz&languages=xx`)).body.locale, "fr");

  await call(t, "PATCH", `/api/sites/${site.id}`, {
    cookie: await admin(t),
    body: { matchBrowserLocale: false, color: "#000000" },
  });
  const pinned = (await call(t, "GET", `${path}?languages=de`)).body;
  assert.equal(pinned.locale, "fr", "without matchBrowserLocale the browser's language is ignored");
  assert.equal(pinned.colorText, "#ffffff");
});

Deno.test("public settings revalidate with ETag, and a change shows on the next GET", async () => {
  const t = server();
  const { site } = await createSite(t, { id: `etag-${unique()}`, name: "ETag" });
  const path = `/api/widget/sites/${site.id}?locale=en`;
  const first = await call(t, "GET", path);
  // The tag as the server made it: a compressed answer may carry it weak (see above).
  const tagOf = (r: { headers: Headers }) => (r.headers.get("etag") ?? "").replace(/^W\//, "");
  const etag = tagOf(first);
  const again = await call(t, "GET", path, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, "");
  assert.equal(tagOf(again), etag);
  assert.equal(again.headers.get("cache-control"), "no-cache");
  const listed = await call(t, "GET", path, { headers: { "if-none-match": `"other", W/${etag}` } });
  assert.equal(listed.status, 304, "a tag in a list (weak comparison) matches");
  const stale = await call(t, "GET", path, { headers: { "if-none-match": '"other"' } });
  assert.equal(stale.status, 200);

  const head = await fetch(`${t.url}${path}`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(tagOf(head), etag);
  assert.equal(await head.text(), "");

  const patched = await call(t, "PATCH", `/api/sites/${site.id}`, {
    cookie: await admin(t),
    body: { color: "#0b5cff", greeting: "Welcome to the shop" },
  });
  assert.equal(patched.status, 200);
  const changed = await call(t, "GET", path, { headers: { "if-none-match": etag } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.color, "#0b5cff");
  assert.equal(changed.body.greeting, "Welcome to the shop");
  assert.notEqual(tagOf(changed), etag);
});

Deno.test("public settings answer CORS for allowed origins and refuse the others", async () => {
  const t = server();
  const shop = "https://fernhill.example";
  const { site } = await createSite(t, {
    id: `cors-${unique()}`,
    name: "CORS",
    allowedOrigins: [shop, "http://localhost:3000"],
  });
  const path = `/api/widget/sites/${site.id}`;
  const allowed = await call(t, "GET", path, { headers: { origin: shop } });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get("access-control-allow-origin"), shop);
  assert.match(allowed.headers.get("vary") ?? "", /Origin/);

  const refused = await call(t, "GET", path, { headers: { origin: "https://copycat.example" } });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, "forbidden");
  assert.equal(refused.headers.get("cache-control"), "no-cache");
  assert.equal(
    refused.headers.get("access-control-allow-origin"),
    "https://copycat.example",
    "the loader may read why it shows no chat",
  );
  assert.match(refused.headers.get("vary") ?? "", /Origin/);

  const noOrigin = await call(t, "GET", path);
  assert.equal(noOrigin.status, 200);
  assert.equal(noOrigin.headers.get("access-control-allow-origin"), null);

  const open = await createSite(t, { id: `anyorigin-${unique()}`, name: "Any" });
  const anyOrigin = await call(t, "GET", `/api/widget/sites/${open.site.id}`, {
    headers: { origin: "https://anywhere.example" },
  });
  assert.equal(anyOrigin.status, 200);
  assert.equal(anyOrigin.headers.get("access-control-allow-origin"), "https://anywhere.example");
});

Deno.test("public settings of an unknown site are 404 site_not_found", async () => {
  const t = server();
  for (const id of [`missing-${unique()}`, "Not_A_Slug", "a".repeat(60)]) {
    const res = await call(t, "GET", `/api/widget/sites/${id}`, {
      headers: { origin: "https://shop.example" },
    });
    assert.equal(res.status, 404, id);
    assert.equal(res.body.error.code, "site_not_found");
  }
});

/** Hours on every weekday, UTC, opening two hours after the current hour: closed now. */
function closedNow(): { hours: Record<string, unknown>; nextOpen: string } {
  const now = new Date();
  const start = (now.getUTCHours() + 2) % 24;
  const pad = (n: number) => String(n).padStart(2, "0");
  const range = [`${pad(start)}:00`, start === 23 ? "24:00" : `${pad(start + 1)}:00`];
  const days = Object.fromEntries(
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [range]]),
  );
  const hour = Date.UTC(
    now.getUTCFullYear(),
    now.getUTCMonth(),
    now.getUTCDate(),
    now.getUTCHours(),
  );
  return {
    hours: { timezone: "UTC", days },
    nextOpen: new Date(hour + 2 * 3_600_000).toISOString(),
  };
}

Deno.test("welcome carries the site's team texts for the hello's locale and its hours now", async () => {
  const t = server();
  const { hours, nextOpen } = closedNow();
  const { site } = await createSite(t, {
    id: `hours-${unique()}`,
    name: "Hours",
    teamName: { en: "Fernhill team", fr: "Équipe Fernhill" },
    replyTime: "Replies within a day",
    businessHours: hours,
  });
  const fr = await visitor(t, { site: site.id, locale: "fr-FR" });
  assert.deepEqual(fr.welcome.team, { name: "Équipe Fernhill", replyTime: "Replies within a day" });
  assert.deepEqual(fr.welcome.hours, { open: false, nextOpen });
  await fr.socket.close();

  const unknownLocale = await visitor(t, { site: site.id, locale: "ja" });
  assert.equal((unknownLocale.welcome.team as { name: string }).name, "Fernhill team");
  await unknownLocale.socket.close();

  const publicView = await call(t, "GET", `/api/widget/sites/${site.id}`);
  assert.equal(publicView.body.open, false);
  assert.equal(publicView.body.nextOpen, nextOpen);

  const { site: plain } = await createSite(t, { id: `plain-${unique()}`, name: "Plain" });
  const none = await visitor(t, { site: plain.id, locale: "de" });
  assert.deepEqual(none.welcome.team, { name: "", replyTime: "" }, "the widget's own defaults");
  assert.deepEqual(none.welcome.hours, { open: true, nextOpen: null });
  await none.socket.close();
});

Deno.test("a site's sender name, reply-to and notification email: admins only, never public", async () => {
  const t = server();
  const cookie = await admin(t);
  const { site } = await createSite(t, {
    name: `Mail ${unique()}`,
    senderName: "  Acme Support  ",
    replyTo: "help@acme.example",
  });
  assert.equal(site.senderName, "Acme Support");
  assert.equal(site.replyTo, "help@acme.example");
  assert.equal(site.notificationEmail, null);
  const patched = await call(t, "PATCH", `/api/sites/${site.id}`, {
    cookie,
    body: { notificationEmail: "team@acme.example", replyTo: "" },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.site.notificationEmail, "team@acme.example");
  assert.equal(patched.body.site.replyTo, null, "an empty address clears it");
  assert.equal(patched.body.site.senderName, "Acme Support", "a field left out stays");
  const read = await call(t, "GET", `/api/sites/${site.id}`, { cookie });
  assert.equal(read.body.site.notificationEmail, "team@acme.example");
  // The widget's public settings carry none of them.
  const pub = await call(t, "GET", `/api/widget/sites/${site.id}`);
  assert.equal(pub.status, 200);
  assert.doesNotMatch(pub.text, /Acme Support|acme\.example|senderName|replyTo|notificationEmail/);
  const { siteSender } = t.server.app.mail ?? {};
  assert.equal(siteSender, undefined, "no SMTP on this server: no mail services");
});
