/**
 * Uploaded markup never runs in Parley's origin (issue 18: "an uploaded HTML/SVG file that does
 * not execute"), in real Chromium against the real server, with HTML and SVG allowed by
 * `PARLEY_UPLOAD_TYPES` so that they are stored at all.
 *
 * Every file carries script that would leave evidence if it ran: a request to a sink server the
 * test starts (from `<script>`, an `onload` handler and a plain `<img>`/`<image>`), a `pwned`
 * item in `localStorage` and a `pwned` cookie. A control first opens the same payloads from the
 * sink's own origin as real pages and sees every piece of evidence, so "no evidence" below means
 * something. Then, for an HTML page, an SVG, an HTML page named `.txt` and sent as `text/plain`,
 * text with a script inside and a PNG with HTML after its header, uploaded by a visitor (Bearer
 * token) and by an agent (session): opened directly in the agent's browser each is a download
 * (the PNG an image), with `nosniff`, the sandboxing CSP, `attachment` and a served type that is
 * not `text/html`; the console's file cards download them; the widget's "Download <name>" saves
 * the agent's files and the visitor's own; the sink gets no hit, and Parley's origin has no
 * `pwned` in `localStorage` or its cookies.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { BrowserContext, Download, Page, Response as PwResponse } from "playwright-core";
import type { Attachment } from "../protocol/frames.ts";
import { pngHeader } from "../core/testing/images.ts";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";
import { openChat } from "./helpers/widget_page.ts";
import { attachFiles } from "./helpers/attach_files.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";
import { PATIENCE_MS, waitUntil } from "./helpers/wait.ts";

const enc = new TextEncoder();
/** The default kinds plus the markup this test needs stored. */
const UPLOAD_TYPES = "image,pdf,text,office,html,svg";
const SANDBOX_CSP = "default-src 'none'; sandbox";

/**
 * Script that leaves all three kinds of evidence, each on its own so that one refused (storage
 * in an opaque origin throws) does not hide the others. Single quotes only: it goes into
 * double-quoted attributes too.
 */
function evidence(sink: string, tag: string, via: string): string {
  return `try{fetch('${sink}/hit/${tag}/${via}',{mode:'no-cors'})}catch(e){}` +
    `try{localStorage.setItem('pwned','${tag}')}catch(e){}` +
    `try{document.cookie='pwned=${tag}; path=/'}catch(e){}`;
}

/** An HTML page whose script, `onload` and image would each reach the sink. */
function htmlPayload(sink: string, tag: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${tag}</title></head>` +
    `<body onload="${evidence(sink, tag, "onload")}"><h1>Invoice</h1>` +
    `<img src="${sink}/hit/${tag}/img" alt="">` +
    `<script>${evidence(sink, tag, "script")}</script></body></html>`;
}

/** An SVG with an `onload` handler, a `<script>` and an `<image>` reaching the sink. */
function svgPayload(sink: string, tag: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" ` +
    `onload="${evidence(sink, tag, "onload")}">` +
    `<script>${evidence(sink, tag, "script")}</script>` +
    `<image href="${sink}/hit/${tag}/image" width="1" height="1"/>` +
    `<rect width="40" height="40" fill="#c0392b"/></svg>`;
}

/**
 * The sink: counts every request to `/hit/…` (evidence), serves the payloads as real pages
 * from its own origin for the control (`/control/html`, `/control/svg`), and answers `/ping`
 * so a test can prove the browser context reaches it.
 */
interface Sink {
  url: string;
  /** Paths of the hits so far, `/hit/<tag>/<via>`. */
  hits(): string[];
  [Symbol.asyncDispose](): Promise<void>;
}

function startSink(): Sink {
  const hits: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const { pathname, origin } = new URL(req.url);
    const headers = { "access-control-allow-origin": "*", "cache-control": "no-store" };
    if (pathname.startsWith("/hit/")) {
      hits.push(pathname);
      return new Response(null, { status: 204, headers });
    }
    if (pathname === "/control/html") {
      return new Response(htmlPayload(origin, "control-html"), {
        headers: { ...headers, "content-type": "text/html; charset=utf-8" },
      });
    }
    if (pathname === "/control/svg") {
      return new Response(svgPayload(origin, "control-svg"), {
        headers: { ...headers, "content-type": "image/svg+xml" },
      });
    }
    if (pathname === "/ping") {
      return new Response("pong", { headers: { ...headers, "content-type": "text/plain" } });
    }
    return new Response("not found", { status: 404, headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    hits: () => [...hits],
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** One file of the test: its bytes, how it is uploaded, and how it must come back. */
interface Case {
  name: string;
  declared: string;
  bytes: Uint8Array;
  /** The type the server sniffs and reports. */
  stored: string;
  /** The `Content-Type` of its download. */
  served: string;
  /** A raster image, shown inline; everything else is an attachment. */
  inline: boolean;
}

/** The files uploaded by `who` (`visitor` or `agent`), every one a payload. */
function casesOf(sink: string, who: string, { all }: { all: boolean }): Case[] {
  const octet = "application/octet-stream";
  const list: Case[] = [
    {
      name: `${who}-invoice.html`,
      declared: "text/html",
      bytes: enc.encode(htmlPayload(sink, `${who}-html`)),
      stored: "text/html",
      served: octet,
      inline: false,
    },
    {
      name: `${who}-logo.svg`,
      declared: "image/svg+xml",
      bytes: enc.encode(svgPayload(sink, `${who}-svg`)),
      stored: "image/svg+xml",
      served: octet,
      inline: false,
    },
    {
      // HTML under a text name and type: the bytes decide, so it is HTML all the same.
      name: `${who}-readme.txt`,
      declared: "text/plain",
      bytes: enc.encode(htmlPayload(sink, `${who}-htmltxt`)),
      stored: "text/html",
      served: octet,
      inline: false,
    },
  ];
  if (!all) return list;
  return [
    ...list,
    {
      // Text first, so truly text: served as text, a download, never a page.
      name: `${who}-notes.txt`,
      declared: "text/plain",
      bytes: enc.encode(`Order 1234: the box was crushed.\n${htmlPayload(sink, `${who}-text`)}`),
      stored: "text/plain",
      served: "text/plain; charset=utf-8",
      inline: false,
    },
    {
      // A real PNG header with a page after it: served inline, but only ever as an image.
      name: `${who}-photo.png`,
      declared: "image/png",
      bytes: new Uint8Array([...pngHeader(40, 40), ...enc.encode(htmlPayload(sink, `${who}-png`))]),
      stored: "image/png",
      served: "image/png",
      inline: true,
    },
    {
      // Script as text: the gadget that would beat a `script-src 'self'` page, were it served
      // as script. It also tells a worker that it ran.
      name: `${who}-helper.js`,
      declared: "text/javascript",
      bytes: enc.encode(
        `${evidence(sink, `${who}-js`, "script")}try{postMessage('ran')}catch(e){}`,
      ),
      stored: "text/plain",
      served: "text/plain; charset=utf-8",
      inline: false,
    },
  ];
}

/** Uploads `c` as a visitor (`token`) or as an agent (`cookie` and the conversation). */
async function upload(
  srv: TestServer,
  c: Case,
  auth: { token: string } | { cookie: string; conversationId: string },
): Promise<Attachment> {
  const path = "token" in auth
    ? "/api/widget/attachments"
    : `/api/conversations/${auth.conversationId}/attachments`;
  const res = await fetch(`${srv.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": c.declared,
      "x-parley-filename": encodeURIComponent(c.name),
      ...("token" in auth
        ? { authorization: `Bearer ${auth.token}` }
        : { cookie: auth.cookie, "x-parley-csrf": "1" }),
    },
    body: Buffer.from(c.bytes),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `${c.name}: ${text}`);
  const a = (JSON.parse(text) as { attachment: Attachment }).attachment;
  assert.equal(a.type, c.stored, `${c.name} is stored as ${c.stored}`);
  return a;
}

/** The safe headers every download must carry, as Chromium received them. */
async function assertSafeHeaders(res: PwResponse | null, c: Case): Promise<void> {
  assert.ok(res, `${c.name}: Chromium got the response`);
  const h = await res.allHeaders();
  assert.equal(res.status(), 200, c.name);
  assert.equal(h["x-content-type-options"], "nosniff", `${c.name}: nosniff`);
  assert.equal(h["content-security-policy"], SANDBOX_CSP, `${c.name}: CSP`);
  assert.equal(h["content-type"], c.served, `${c.name}: served type`);
  assert.doesNotMatch(h["content-type"], /html|svg|xml/i, `${c.name}: never markup`);
  assert.match(
    h["content-disposition"] ?? "",
    c.inline ? /^inline;/ : /^attachment;/,
    `${c.name}: disposition`,
  );
}

/** Checks that a finished download saved exactly `c`'s bytes under its name. */
async function assertSaved(download: Download, c: Case): Promise<void> {
  assert.equal(download.suggestedFilename(), c.name);
  const path = await download.path();
  assert.ok(path, `${c.name} was saved`);
  assert.deepEqual(new Uint8Array(await Deno.readFile(path)), c.bytes, `${c.name}: bytes`);
}

/**
 * Runs `act` (a navigation, a click) and returns the response for `url` as Chromium received it
 * and the download it started. A click on a download link or button must start one (`click`); a
 * navigation may (`goto`): a download makes `page.goto` fail ("Download is starting"), so both
 * outcomes are taken, and the download is waited for when the navigation says one started. A
 * navigation always has its response; a click may not, when Chromium hands an `<a download>`
 * straight to its download manager (no response event then: null).
 */
async function fetchedBy(
  page: Page,
  url: string,
  how: "click" | "goto",
  act: () => Promise<unknown>,
): Promise<{ response: PwResponse | null; download: Download | null }> {
  const downloads: Download[] = [];
  const responses: PwResponse[] = [];
  const onDownload = (d: Download) => void downloads.push(d);
  const onResponse = (r: PwResponse) => void (r.url() === url && responses.push(r));
  page.on("download", onDownload);
  page.context().on("response", onResponse);
  try {
    const started = await act().then(
      () => false,
      (err: Error) => {
        if (!/Download is starting|net::ERR_ABORTED/.test(err.message)) throw err;
        return true;
      },
    );
    if (started || how === "click") {
      await waitUntil(() => downloads.length > 0, `the download of ${url} starts`);
    }
    if (how === "goto") await waitUntil(() => responses.length > 0, `the response for ${url}`);
    return { response: responses[0] ?? null, download: downloads[0] ?? null };
  } finally {
    page.off("download", onDownload);
    page.context().off("response", onResponse);
  }
}

/**
 * After the downloads of a step have finished: proves the context still reaches the sink (so
 * silence is not a blocked network), then that Parley's origin holds no evidence and the sink
 * got no hit from any file of Parley's.
 */
async function assertNothingRan(
  context: BrowserContext,
  parleyPage: Page,
  parley: string,
  sink: Sink,
): Promise<void> {
  const probe = await context.newPage();
  try {
    const pong = await probe.goto(`${sink.url}/ping`);
    assert.equal(await pong?.text(), "pong", "the browser reaches the sink");
  } finally {
    await probe.close();
  }
  assert.equal(new URL(parleyPage.url()).origin, parley, "the check runs in Parley's origin");
  const seen = await parleyPage.evaluate(() => ({
    stored: localStorage.getItem("pwned"),
    cookie: document.cookie,
  }));
  assert.equal(seen.stored, null, "localStorage of Parley's origin");
  assert.doesNotMatch(seen.cookie, /pwned/, "document.cookie of Parley's origin");
  const cookies = await context.cookies(parley);
  assert.deepEqual(cookies.filter((c) => c.name === "pwned"), [], "cookies of Parley's origin");
  assert.deepEqual(sink.hits().filter((h) => !h.startsWith("/hit/control-")), [], "sink hits");
}

Deno.test({
  name: "uploaded HTML and SVG never run in Parley's origin: opened, console and widget downloads",
  ignore: !browserAvailable(),
  async fn(t) {
    // Declared first, so closed last: after Chromium has dropped its connections to it.
    await using sink = startSink();
    await using srv = await startTestServer({ env: { PARLEY_UPLOAD_TYPES: UPLOAD_TYPES } });
    await using browser = await launchBrowser();
    const sockets: TestSocket[] = [];
    const errors: string[] = [];
    const newPage = async (context: BrowserContext) => {
      const page = await context.newPage();
      page.setDefaultTimeout(PATIENCE_MS);
      page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
      return page;
    };
    try {
      const cookie = await srv.login(ADMIN.email, ADMIN.password);
      const agent = await srv.agentSocket(cookie);
      sockets.push(agent);

      await t.step(
        "control: the payloads leave every piece of evidence when they run",
        async () => {
          const context = await browser.newContext();
          try {
            const page = await newPage(context);
            for (const kind of ["html", "svg"]) {
              await page.goto(`${sink.url}/control/${kind}`);
              const vias = kind === "html" ? ["script", "onload", "img"] : ["script", "onload"];
              for (const via of vias) {
                const hit = `/hit/control-${kind}/${via}`;
                await waitUntil(() => sink.hits().includes(hit), `the sink gets ${hit}`);
              }
              assert.equal(
                await page.evaluate(() => localStorage.getItem("pwned")),
                `control-${kind}`,
              );
            }
            const cookies = await context.cookies(sink.url);
            assert.ok(cookies.some((c) => c.name === "pwned"), "the control set its cookie");
          } finally {
            await context.close();
          }
        },
      );

      // A visitor writes with six payloads; the agent answers with three of its own.
      const visitor = await srv.visitorSocket();
      sockets.push(visitor);
      const token = String(visitor.all("welcome")[0].token);
      const visitorCases = casesOf(sink.url, "visitor", { all: true });
      const visitorFiles: Attachment[] = [];
      for (const c of visitorCases) visitorFiles.push(await upload(srv, c, { token }));
      const opening = `Please look at these files ${crypto.randomUUID().slice(0, 8)}`;
      visitor.send({
        type: "message",
        clientId: crypto.randomUUID(),
        body: opening,
        attachments: visitorFiles.map((a) => a.id),
      });
      const { conversationId } = (await agent.next(
        (f: Frame) => f.type === "message" && (f.message as { body: string }).body === opening,
      )).message as { conversationId: string };

      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const page = await newPage(context);
        await signInConsole(page, srv.url);
        await page.locator(".row", { hasText: opening }).click();
        await page.getByRole("button", { name: "Accept", exact: true }).click();
        await page.getByRole("button", { name: "Accept", exact: true }).waitFor({
          state: "detached",
        });
        const agentCases = casesOf(sink.url, "agent", { all: false });
        const agentFiles: Attachment[] = [];
        for (const c of agentCases) {
          agentFiles.push(await upload(srv, c, { cookie, conversationId }));
        }
        const reply = "Here are our files";
        agent.send({
          type: "message",
          conversationId,
          clientId: crypto.randomUUID(),
          body: reply,
          attachments: agentFiles.map((a) => a.id),
        });
        await visitor.nextOf("message", (f) => (f.message as { body: string }).body === reply);
        const all = [
          ...visitorCases.map((c, i) => ({ c, a: visitorFiles[i] })),
          ...agentCases.map((c, i) => ({ c, a: agentFiles[i] })),
        ];

        await t.step("the console's file cards download every file; nothing runs", async () => {
          for (const { c, a } of all.filter(({ c }) => !c.inline)) {
            const card = page.locator("a.att-file", { hasText: c.name });
            await card.waitFor();
            const url = `${srv.url}/api/attachments/${a.id}`;
            const { response, download } = await fetchedBy(page, url, "click", () => card.click());
            // Chromium's download manager fetches an `<a download>` itself and reports no
            // response; when it does, the headers are checked (they are, below, when opened).
            if (response) await assertSafeHeaders(response, c);
            assert.ok(download, `${c.name}: the card downloads`);
            await assertSaved(download, c);
          }
          await assertNothingRan(context, page, srv.url, sink);
        });

        await t.step(
          "loaded as a script, a module or a worker into the console, an upload never runs",
          async () => {
            const js = all.find(({ c }) => c.name === "visitor-helper.js")!;
            const url = `${srv.url}/api/attachments/${js.a.id}`;
            // The console allows `script-src 'self'`, and the file is on that origin: only its
            // served type (text, with `nosniff`) keeps Chromium from running it.
            const outcome = await page.evaluate(async (url) => {
              const script = (type: string) =>
                new Promise<string>((resolve) => {
                  const s = document.createElement("script");
                  s.type = type;
                  s.src = url;
                  s.onload = () => resolve("ran");
                  s.onerror = () => resolve("refused");
                  document.head.append(s);
                });
              const worker = new Promise<string>((resolve) => {
                try {
                  const w = new Worker(url);
                  w.onmessage = () => resolve("ran");
                  w.onerror = () => resolve("refused");
                } catch (e) {
                  resolve(`refused: ${(e as Error).name}`);
                }
              });
              return {
                classic: await script("text/javascript"),
                module: await script("module"),
                worker: await worker,
              };
            }, url);
            assert.equal(outcome.classic, "refused", "as a classic script");
            assert.equal(outcome.module, "refused", "as a module script");
            assert.match(outcome.worker, /^refused/, "as a worker");
            await assertNothingRan(context, page, srv.url, sink);
          },
        );

        await t.step(
          "opened directly by the agent: a download (the PNG an image) with safe headers",
          async () => {
            const direct = await newPage(context);
            for (const { c, a } of all) {
              const url = `${srv.url}/api/attachments/${a.id}`;
              const { response, download } = await fetchedBy(
                direct,
                url,
                "goto",
                () => direct.goto(url),
              );
              await assertSafeHeaders(response, c);
              if (c.inline) {
                assert.equal(download, null, `${c.name} is shown, not downloaded`);
                assert.equal(await direct.evaluate(() => document.contentType), "image/png");
                // The sandboxed image document: an opaque origin, no storage to write.
                assert.equal(
                  await direct.evaluate(() => {
                    try {
                      return String(localStorage.length);
                    } catch (e) {
                      return (e as Error).name;
                    }
                  }),
                  "SecurityError",
                );
                await direct.goto("about:blank");
              } else {
                assert.ok(download, `${c.name}: opening it downloads it`);
                await assertSaved(download, c);
              }
            }
            // A known page of Parley's origin, loaded after every download: the check runs there.
            await direct.goto(`${srv.url}/console`);
            await direct.locator(".conn-connected").waitFor();
            await assertNothingRan(context, direct, srv.url, sink);
            await direct.close();
          },
        );
      } finally {
        await context.close();
      }

      await t.step(
        "the widget's Download saves the agent's and the visitor's own markup",
        async () => {
          const widget = await browser.newContext();
          try {
            const p = await newPage(widget);
            await p.goto(`${srv.url}/`);
            await openChat(p);
            const hello = `Widget safety ${crypto.randomUUID().slice(0, 8)}`;
            await p.getByRole("textbox", { name: "Message" }).fill(hello);
            await p.keyboard.press("Enter");
            const { conversationId: widgetConversation } = (await agent.next(
              (f: Frame) => f.type === "message" && (f.message as { body: string }).body === hello,
            )).message as { conversationId: string };
            agent.send({ type: "accept", conversationId: widgetConversation });
            const agentCases = casesOf(sink.url, "agent", { all: false });
            const files: Attachment[] = [];
            for (const c of agentCases) {
              files.push(await upload(srv, c, { cookie, conversationId: widgetConversation }));
            }
            agent.send({
              type: "message",
              conversationId: widgetConversation,
              clientId: crypto.randomUUID(),
              body: "Our files for you",
              attachments: files.map((a) => a.id),
            });

            // The visitor's own HTML and SVG, picked in the widget and sent.
            const own = casesOf(sink.url, "widget", { all: false }).slice(0, 2);
            await attachFiles(
              p,
              own.map((c) => ({ name: c.name, mimeType: c.declared, bytes: c.bytes })),
            );
            await p.getByRole("textbox", { name: "Message" }).fill("My own files");
            await p.keyboard.press("Enter");
            const sent = (await agent.next(
              (f: Frame) =>
                f.type === "message" && (f.message as { body: string }).body === "My own files",
            )).message as { attachments: Attachment[] };
            assert.deepEqual(
              sent.attachments.map((a) => [a.name, a.type]),
              own.map((c) => [c.name, c.stored]),
            );

            const shown = [
              ...agentCases.map((c, i) => ({ c, id: files[i].id })),
              ...own.map((c, i) => ({ c, id: sent.attachments[i].id })),
            ];
            for (const { c, id } of shown) {
              const button = p.getByRole("button", { name: `Download ${c.name}`, exact: true });
              await button.waitFor();
              const url = `${srv.url}/api/attachments/${id}`;
              const { response, download } = await fetchedBy(p, url, "click", () => button.click());
              // The widget's own fetch with the token: the same safe answer.
              await assertSafeHeaders(response, c);
              assert.ok(download, `${c.name}: the widget saves it`);
              await assertSaved(download, c);
            }
            await assertNothingRan(widget, p, srv.url, sink);
          } finally {
            await widget.close();
          }
        },
      );

      assert.deepEqual(errors, [], "no errors in any page");
    } finally {
      for (const s of sockets) await s.close();
    }
  },
});
