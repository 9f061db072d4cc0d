/**
 * XSS, end to end in Chromium: a corpus of payloads written by visitors (messages, name, email,
 * page title and URL, referrer, attributes, live typing preview) and by agents (replies, the
 * agent's name, a canned response) is rendered in the widget and the console. Both pages run
 * with their CSP bypassed, so only the rendering itself stands between a payload and the page:
 * no payload may run (`window.__xss` stays undefined, no dialog opens), no element may gain an
 * event handler attribute or a `javascript:` link, and every payload shows as plain text.
 * Along the way, no token or session id may appear in any URL the pages request.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { buildDist } from "./helpers/faults.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const TIMEOUT = 15_000;

/**
 * Waits until whatever the rendered payloads could have set off has had its chance: every image
 * and frame in the page (shadow roots included) has loaded or failed, and two frames painted.
 * A payload that became markup is also caught by `scanDom`, however soon it runs.
 */
function settled(page: Page): Promise<void> {
  return page.evaluate(async () => {
    const all: Element[] = [];
    const walk = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll("*")) {
        all.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    await Promise.all(all.map((el) => {
      const pending = (el instanceof HTMLImageElement && !el.complete) ||
        el instanceof HTMLIFrameElement;
      if (!pending) return null;
      return new Promise((r) => {
        el.addEventListener("load", r, { once: true });
        el.addEventListener("error", r, { once: true });
        if (el instanceof HTMLIFrameElement) requestAnimationFrame(r); // may have loaded already
      });
    }));
    for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(r));
  });
}

/** Each payload would set `window.__xss` (or open a dialog) if it were ever run. */
const PAYLOADS = [
  `<img src=x onerror="window.__xss=1">`,
  `<script>window.__xss=2</script>`,
  `<svg onload="window.__xss=3"></svg>`,
  `"><img src=x onerror=window.__xss=4>`,
  `javascript:window.__xss=5`,
  `<a href="javascript:window.__xss=6">click me</a>`,
  `<iframe srcdoc="<script>parent.__xss=7</script>"></iframe>`,
  `[click](javascript:window.__xss=8)`,
  `https://example.com/"onmouseover="window.__xss=9"x="`,
  `https://example.com/?q=<img src=x onerror=window.__xss=10>`,
  `<details open ontoggle="window.__xss=11">`,
  `{{constructor.constructor('window.__xss=12')()}}`,
  "${window.__xss=13}",
  `<img src=x onerror=alert(14)>`,
  `data:text/html,<script>parent.__xss=15</script>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=16>`,
  `'';!--"<XSS>=&{()}`,
];

/** Walks the document and every open shadow root for anything a payload could have created. */
function scanDom(page: Page) {
  return page.evaluate(() => {
    const found: string[] = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll("*")) {
        for (const attr of el.getAttributeNames()) {
          if (attr.toLowerCase().startsWith("on")) found.push(`${el.tagName} ${attr}`);
        }
        for (const attr of ["href", "src", "action", "formaction", "xlink:href"]) {
          const v = (el.getAttribute(attr) ?? "").trim().toLowerCase();
          if (v.startsWith("javascript:") || v.startsWith("data:text/html")) {
            found.push(`${el.tagName} ${attr}=${v.slice(0, 40)}`);
          }
        }
        if (el.tagName === "SCRIPT" && !el.getAttribute("src")) found.push("inline SCRIPT");
        if (el.tagName === "IFRAME" || el.tagName === "OBJECT" || el.tagName === "EMBED") {
          found.push(el.tagName);
        }
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    visit(document);
    return { found, xss: (window as unknown as { __xss?: unknown }).__xss };
  });
}

Deno.test({
  name: "payloads from visitors and agents render as inert text in the widget and the console",
  ignore: !browserAvailable(),
  async fn() {
    const dist = await buildDist();
    let srv: TestServer | null = null;
    let browser: Browser | null = null;
    try {
      srv = await startTestServer({ env: { PARLEY_DIST_DIR: dist.dir } });
      const url = srv.url;
      const json = { "content-type": "application/json", "x-parley-csrf": "1" };
      // The agent's own name and a canned response are payloads too.
      const apiCookie = await srv.login(ADMIN.email, ADMIN.password);
      const agentName = `<img src=x onerror=window.__xss=30>`;
      for (
        const [method, path, body] of [
          ["PATCH", "/api/agent/me", { name: agentName }],
          ["POST", "/api/canned", { shortcut: "xss", body: `<script>window.__xss=31</script>` }],
        ] as const
      ) {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { ...json, cookie: apiCookie },
          body: JSON.stringify(body),
        });
        assert.ok(res.ok, `${method} ${path}: ${res.status}`);
        await res.body?.cancel();
      }

      browser = await launchBrowser();
      const dialogs: string[] = [];
      const urls: string[] = [];
      const pageErrors: string[] = [];
      const open = async () => {
        const context = await browser!.newContext({
          bypassCSP: true,
          viewport: { width: 1280, height: 900 },
        });
        const page = await context.newPage();
        page.setDefaultTimeout(TIMEOUT);
        page.on("dialog", (d) => {
          dialogs.push(d.message());
          d.dismiss().catch(() => {});
        });
        page.on("request", (r) => urls.push(r.url()));
        page.on("websocket", (ws) => urls.push(ws.url()));
        page.on("pageerror", (e) => pageErrors.push(e.message));
        return { context, page };
      };

      // A visitor on the storefront writes every payload through the widget.
      const v = await open();
      const w = v.page;
      await w.goto(`${url}/`);
      await w.getByRole("button", { name: "Open chat" }).click();
      const box = w.getByRole("textbox", { name: "Message" });
      await box.fill("xss widget visitor starts");
      await box.press("Enter");
      for (const p of PAYLOADS) {
        await box.fill(p);
        await box.press("Enter");
      }
      await w.locator("parley-chat .ds[title='Sent']").nth(PAYLOADS.length).waitFor();

      // Another visitor puts payloads in every profile field the console shows.
      const raw = await TestSocket.open(`${srv.wsUrl}/ws/visitor`);
      raw.send({
        type: "hello",
        site: "demo",
        page: {
          url: "javascript:window.__xss=40",
          title: `<img src=x onerror=window.__xss=41>`,
          referrer: `javascript:window.__xss=42`,
        },
        locale: "<b onclick=x>",
        timezone: "<svg onload=window.__xss=43>",
      });
      await raw.nextOf("welcome");
      raw.send({ type: "message", clientId: "r0", body: "xss raw visitor starts" });
      await raw.nextOf("ack");
      raw.send({
        type: "identify",
        id: `<img src=x onerror=window.__xss=44>`,
        name: `<img src=x onerror=window.__xss=45>`,
        email: `"><svg onload=window.__xss=46>@x.test`,
      });
      raw.send({
        type: "attributes",
        attributes: { "<b onmouseover=window.__xss=47>": `<img src=x onerror=window.__xss=48>` },
      });
      raw.send({ type: "page", page: { url: "https://shop.test/p", title: "<script>x</script>" } });
      for (const [i, p] of PAYLOADS.entries()) {
        raw.send({ type: "message", clientId: `r${i + 1}`, body: p });
      }
      await raw.nextOf("ack", (f) => f.clientId === `r${PAYLOADS.length}`);

      // An agent signs in to the console and opens both conversations.
      const c = await open();
      const con = c.page;
      await con.goto(`${url}/console`);
      await con.getByLabel("Email").fill(ADMIN.email);
      await con.getByLabel("Password").fill(ADMIN.password);
      await con.getByRole("button", { name: "Sign in" }).click();
      await con.locator(".conn-connected").waitFor();
      // The raw visitor's row carries their (payload) name: open it, with the profile panel.
      const rawRow = con.locator(".row", { hasText: "__xss=45" });
      await rawRow.waitFor();
      await rawRow.click();
      const side = con.getByRole("complementary", { name: "Visitor details" });
      await side.getByText("<img src=x onerror=window.__xss=48>").waitFor();
      await con.getByRole("log", { name: "Messages" }).getByText(PAYLOADS[0]).first().waitFor();
      raw.send({ type: "typing", active: true, preview: `<img src=x onerror=window.__xss=49>` });
      await con.locator(".live-preview", { hasText: "__xss=49" }).waitFor();
      const { found: early, xss: ranEarly } = await scanDom(con);
      assert.deepEqual([early, ranEarly], [[], undefined], "console: the visitor's profile");

      // The agent answers the widget visitor with every payload, from the console.
      await con.locator(".row").filter({ hasNotText: "__xss=45" }).first().click();
      await con.getByRole("log", { name: "Messages" }).getByText("xss widget visitor starts")
        .waitFor();
      const reply = con.getByRole("textbox", { name: "Reply" });
      // A canned response offered by the composer is shown as text too.
      await reply.fill("/xs");
      await con.getByRole("listbox", { name: "Canned responses" }).waitFor();
      await reply.fill("");
      for (const p of PAYLOADS.slice(0, 6)) {
        await reply.fill(p);
        await reply.press("Enter");
      }
      // And through the agent protocol, for the rest.
      const agentWs = await srv.agentSocket(apiCookie);
      const conv =
        (agentWs.all("welcome")[0].conversations as { id: string; visitorName: string }[])
          .find((x) => !x.visitorName.includes("__xss=45"));
      assert.ok(conv, "the widget visitor's conversation");
      for (const [i, p] of PAYLOADS.slice(6).entries()) {
        agentWs.send({ type: "message", conversationId: conv.id, clientId: `ag${i}`, body: p });
      }
      agentWs.send({ type: "typing", conversationId: conv.id, active: true });
      await w.locator("parley-chat .bb", { hasText: PAYLOADS.at(-1)! }).nth(1).waitFor();
      await con.getByRole("log", { name: "Messages" }).getByText(PAYLOADS.at(-1)!).nth(1).waitFor();
      await Promise.all([settled(w), settled(con)]);

      // Every payload is visible as text, in both places.
      const widgetText = (await w.locator("parley-chat .bb").allInnerTexts()).join("\n");
      const consoleText = await con.locator("body").innerText();
      for (const p of PAYLOADS) {
        assert.ok(widgetText.includes(p.trim()), `widget shows as text: ${p}`);
        assert.ok(consoleText.includes(p.trim()), `console shows as text: ${p}`);
      }
      assert.ok(consoleText.includes("<img src=x onerror=window.__xss=45>"), "visitor name");

      // Nothing ran, nothing was created.
      for (const [where, page] of [["widget", w], ["console", con]] as const) {
        const { found, xss } = await scanDom(page);
        assert.equal(xss, undefined, `${where}: a payload ran (window.__xss = ${xss})`);
        assert.deepEqual(found, [], `${where}: injected markup`);
      }
      assert.deepEqual(dialogs, [], "a payload opened a dialog");
      // The detectors themselves work: markup that does run is seen.
      const probe = await open();
      await probe.page.setContent(`<p><img src=x onerror="window.__xss=99"></p>`);
      await probe.page.waitForFunction(() => (window as { __xss?: number }).__xss === 99);
      const caught = await scanDom(probe.page);
      assert.equal(caught.xss, 99);
      assert.deepEqual(caught.found, ["IMG onerror"]);
      await probe.context.close();
      assert.deepEqual(pageErrors, []);

      // Tokens and session ids never travel in a URL.
      const stored = await w.evaluate(() => JSON.stringify({ ...localStorage }));
      const token = /v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(stored)?.[0];
      assert.ok(token, "the widget keeps its visitor token");
      const session = (await c.context.cookies()).find((k) => k.name === "parley_session");
      assert.ok(session?.httpOnly, "the session cookie is HttpOnly");
      assert.equal(await con.evaluate(() => document.cookie.includes("parley_session")), false);
      assert.ok(urls.length > 5);
      for (const u of urls) {
        assert.ok(!u.includes(token!) && !u.includes(session!.value), `a secret in ${u}`);
        assert.ok(!/[?&](token|session|auth)=/i.test(u), `a credential parameter in ${u}`);
      }

      await Promise.all([raw.close(), agentWs.close(), v.context.close(), c.context.close()]);
    } finally {
      await browser?.close();
      await srv?.close();
      await dist.remove();
    }
  },
});
