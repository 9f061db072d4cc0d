/**
 * Attachments in the widget, in real Chromium against the real Parley server (issue 18, visitor
 * side): the "Attach a file" button, drag and drop and pasting an image; several files with a
 * caption reach the agent as one message; progress shows while uploading and goes; an upload is
 * cancelled; a file over the limit is refused in the visitor's language (English and French, the
 * French one on a page of another origin, which also proves the CORS answers); the server's own
 * refusal is shown when the widget's check passes; a file attached offline is uploaded and sent
 * exactly once when back; an agent's PDF and image show as a card and a thumbnail, open full size
 * and download; a visitor cannot read another visitor's file; axe-core is clean with the tray
 * shown. Screenshots (phone) go to `/work/wt/shots/widget-att-*.png` when `/work/wt` exists,
 * else to `tests/artifacts/` (tests/helpers/shots.ts).
 */

import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page, Route } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { shotsDir } from "./helpers/shots.ts";
import { axeViolations } from "./helpers/axe.ts";
import { openChat } from "./helpers/widget_page.ts";
import { attachFiles, PHONE } from "./helpers/attach_files.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";

/** The upload limit the server runs with: small, so a "too large" file is quick to make. */
const MAX_BYTES = 2_000_000;
const WAIT = 20_000;

type WireAttachment = { id: string; name: string; type: string; size: number };
type WireMessage = { body: string; conversationId: string; attachments?: WireAttachment[] };

/** A PNG drawn in the page (a gradient "photo"), as bytes. */
async function png(p: Page, w: number, h: number, hue: number): Promise<Uint8Array> {
  const b64 = await p.evaluate(([w, h, hue]) => {
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    const g = c.getContext("2d")!;
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, `hsl(${hue} 70% 62%)`);
    grad.addColorStop(1, `hsl(${hue + 50} 65% 32%)`);
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#fff9";
    g.beginPath();
    g.arc(w * 0.32, h * 0.38, h * 0.16, 0, 7);
    g.fill();
    return c.toDataURL("image/png").split(",")[1];
  }, [w, h, hue]);
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");

/** Dispatches a `drop` (on the panel) or a `paste` (in the textbox) carrying one file. */
async function dropOrPaste(
  p: Page,
  kind: "drop" | "paste",
  file: { name: string; mimeType: string; bytes: Uint8Array },
): Promise<void> {
  await p.evaluate(({ kind, name, type, bytes }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], name, { type }));
    const root = document.querySelector("parley-chat")!.shadowRoot!;
    const init = { bubbles: true, cancelable: true, composed: true };
    if (kind === "drop") {
      root.querySelector(".p")!.dispatchEvent(new DragEvent("drop", { ...init, dataTransfer: dt }));
    } else {
      root.querySelector("textarea")!.dispatchEvent(
        new ClipboardEvent("paste", { ...init, clipboardData: dt }),
      );
    }
  }, { kind, name: file.name, type: file.mimeType, bytes: [...file.bytes] });
}

/**
 * Holds every upload of `p` until `release()` (each then goes on), so the progress bar and the
 * cancel button can be seen and used whatever the machine's speed.
 */
async function holdUploads(p: Page): Promise<{ release(): void; stop(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const handler = async (route: Route) => {
    if (route.request().method() !== "POST") return await route.continue();
    await released;
    // A cancelled upload's request is gone by now.
    await route.continue().catch(() => {});
  };
  await p.route("**/api/widget/attachments", handler);
  return { release, stop: () => p.unroute("**/api/widget/attachments", handler) };
}

async function send(p: Page, text: string): Promise<void> {
  await p.getByRole("textbox", { name: "Message" }).fill(text);
  await p.keyboard.press("Enter");
}

/** The agent's copy of the visitor's message with `body`. */
async function agentSees(agent: TestSocket, body: string): Promise<WireMessage> {
  const f = await agent.next(
    (f: Frame) => f.type === "message" && (f.message as WireMessage).body === body,
    WAIT,
  );
  return f.message as WireMessage;
}

/** A page on another origin (`localhost` vs `127.0.0.1`) embedding the widget in French. */
function startFrenchShop(parley: string): { url: string; close(): Promise<void> } {
  const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Boutique` +
    `</title></head><body><h1>Une boutique</h1><script src="${parley}/widget.js" ` +
    `data-site="demo" data-locale="fr" async></script></body></html>`;
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }),
  );
  return { url: `http://localhost:${server.addr.port}/`, close: () => server.shutdown() };
}

Deno.test({
  name: "widget attachments: attach, drop, paste, limits, offline, agent files, access",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-att-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    let server: TestServer | null = null;
    let browser: Browser | null = null;
    const errors: string[] = [];
    const shots = await shotsDir();
    const contexts: BrowserContext[] = [];
    const newPage = async (options: Parameters<Browser["newContext"]>[0] = {}) => {
      const ctx = await browser!.newContext(options);
      contexts.push(ctx);
      const p = await ctx.newPage();
      p.on("pageerror", (e) => errors.push(e.message));
      return { ctx, p };
    };
    try {
      server = await startTestServer({
        env: { PARLEY_DIST_DIR: dist, PARLEY_MAX_UPLOAD_BYTES: String(MAX_BYTES) },
      });
      const cookie = await server.login(ADMIN.email, ADMIN.password);
      const agent = await server.agentSocket(cookie);
      browser = await launchBrowser();
      const url = server.url;
      let firstVisitorFile: WireAttachment | null = null;
      // `ONLY_STEP=<part of a step's name>` runs only the matching steps while working on one.
      const only = Deno.env.get("ONLY_STEP");
      const step = (name: string, fn: () => Promise<void>) =>
        !only || name.includes(only) ? t.step(name, fn) : Promise.resolve(true);

      await step("button, drop and paste: three files and a caption make one message", async () => {
        const { p } = await newPage();
        await p.goto(`${url}/`);
        await openChat(p);
        // Nothing of the chunk is loaded before a file is attached.
        assert.equal(await p.locator("script[src*='widget-attach-']").count(), 0);
        const photo = await png(p, 640, 420, 200);
        await attachFiles(p, [
          { name: "receipt.png", mimeType: "image/png", bytes: photo },
          { name: "invoice.pdf", mimeType: "application/pdf", bytes: PDF },
        ]);
        await dropOrPaste(p, "drop", {
          name: "dropped.png",
          mimeType: "image/png",
          bytes: await png(p, 300, 200, 20),
        });
        await dropOrPaste(p, "paste", {
          name: "pasted.png",
          mimeType: "image/png",
          bytes: await png(p, 200, 200, 300),
        });
        await p.locator("parley-chat .tf").nth(3).waitFor();
        await send(p, "Here are my receipt, invoice and two photos");
        const m = await agentSees(agent, "Here are my receipt, invoice and two photos");
        assert.deepEqual(
          m.attachments?.map((a) => [a.name, a.type]),
          [
            ["receipt.png", "image/png"],
            ["invoice.pdf", "application/pdf"],
            ["dropped.png", "image/png"],
            ["pasted.png", "image/png"],
          ],
        );
        firstVisitorFile = m.attachments![0];
        // The tray empties; the visitor's own message shows its files.
        await p.locator("parley-chat .tf").first().waitFor({ state: "detached" });
        await p.getByRole("button", { name: "Download invoice.pdf" }).waitFor();
        await p.getByRole("button", { name: "Open receipt.png full size" }).waitFor();
        await agent.roundTrip();
        assert.equal(
          agent.all("message").filter((f) =>
            (f.message as WireMessage).body === "Here are my receipt, invoice and two photos"
          ).length,
          1,
        );
      });

      await step(
        "progress shows while uploading and goes; a cancelled file is not sent",
        async () => {
          const { p } = await newPage(PHONE);
          await p.goto(`${url}/`);
          await openChat(p);
          const hold = await holdUploads(p);
          await attachFiles(p, [
            { name: "sofa-photo.png", mimeType: "image/png", bytes: await png(p, 800, 600, 150) },
            { name: "wrong-photo.png", mimeType: "image/png", bytes: await png(p, 300, 300, 0) },
          ]);
          await p.getByRole("progressbar", { name: "Uploading sofa-photo.png" }).waitFor();
          await p.getByRole("progressbar", { name: "Uploading wrong-photo.png" }).waitFor();
          await p.getByRole("textbox", { name: "Message" }).fill("The sofa arrived damaged");
          await p.screenshot({ path: `${shots}/widget-att-tray-phone.png` });
          await p.getByRole("button", { name: "Remove wrong-photo.png" }).click();
          await p.getByText("wrong-photo.png").waitFor({ state: "detached" });
          hold.release();
          await p.getByRole("progressbar").waitFor({ state: "detached", timeout: WAIT });
          await hold.stop();
          await p.getByRole("textbox", { name: "Message" }).press("Enter");
          const m = await agentSees(agent, "The sofa arrived damaged");
          assert.deepEqual(m.attachments?.map((a) => a.name), ["sofa-photo.png"]);
        },
      );

      await step("axe-core is clean with the tray shown", async () => {
        const { p } = await newPage({ bypassCSP: true });
        await p.goto(`${url}/`);
        await openChat(p);
        const hold = await holdUploads(p);
        await attachFiles(p, [
          { name: "photo.png", mimeType: "image/png", bytes: await png(p, 300, 200, 90) },
          { name: "notes.pdf", mimeType: "application/pdf", bytes: PDF },
          { name: "huge.png", mimeType: "image/png", bytes: new Uint8Array(MAX_BYTES + 1) },
        ]);
        await p.getByRole("progressbar", { name: "Uploading photo.png" }).waitFor();
        await p.getByText("huge.png is larger than 2 MB").waitFor();
        assert.deepEqual(await axeViolations(p), [], "panel with the tray");
        hold.release();
        await hold.stop();
      });

      await step("a too-large file and one the server refuses say why", async () => {
        const { p } = await newPage();
        await p.goto(`${url}/`);
        await openChat(p);
        await attachFiles(p, [
          { name: "big.png", mimeType: "image/png", bytes: new Uint8Array(MAX_BYTES + 1) },
        ]);
        await p.getByRole("alert").filter({
          hasText: "big.png is larger than 2 MB, the largest file you can send.",
        }).waitFor();
        // The widget's check passes (an image, small enough); the server's 422 is shown.
        await attachFiles(p, [{
          name: "fake.png",
          mimeType: "image/png",
          bytes: new TextEncoder().encode("not an image at all"),
        }]);
        await p.getByRole("alert").filter({ hasText: "fake.png isn't a valid image." }).waitFor();
        // Refused files are removed by the visitor; nothing was sent.
        await p.getByRole("button", { name: "Remove big.png" }).click();
        await p.getByRole("button", { name: "Remove fake.png" }).click();
        await p.locator("parley-chat .tf").first().waitFor({ state: "detached" });
      });

      await step(
        "French, from another origin: the limit in French, uploads through CORS",
        async () => {
          const shop = startFrenchShop(url);
          try {
            const { p } = await newPage();
            await p.goto(shop.url);
            await p.getByRole("button", { name: "Ouvrir le chat" }).click();
            await p.getByRole("textbox", { name: "Message" }).waitFor();
            await attachFiles(p, [
              { name: "grand.png", mimeType: "image/png", bytes: new Uint8Array(MAX_BYTES + 1) },
            ], "Joindre un fichier");
            await p.getByRole("alert").filter({
              hasText: "grand.png dépasse 2 Mo, la taille maximale d'un fichier.",
            }).waitFor();
            await p.getByRole("button", { name: "Retirer grand.png" }).click();
            await attachFiles(p, [
              { name: "photo.png", mimeType: "image/png", bytes: await png(p, 200, 150, 40) },
            ], "Joindre un fichier");
            await send(p, "Bonjour, voici la photo");
            const m = await agentSees(agent, "Bonjour, voici la photo");
            assert.deepEqual(m.attachments?.map((a) => a.name), ["photo.png"]);
            await p.getByRole("button", { name: "Ouvrir photo.png en grand" }).waitFor();
          } finally {
            await shop.close();
          }
        },
      );

      await step(
        "Send pressed before the attachment code arrived: the file goes with it",
        async () => {
          const { p } = await newPage();
          // The chunk is held on its way until the caption has been sent.
          const held = Promise.withResolvers<void>();
          await p.route("**/assets/widget-attach-*", async (route) => {
            await held.promise;
            await route.continue();
          });
          await p.goto(`${url}/`);
          await openChat(p);
          await attachFiles(p, [{ name: "early.pdf", mimeType: "application/pdf", bytes: PDF }]);
          await send(p, "sent before the code came");
          // The text waits for the files: it is not sent on its own, and the box is cleared.
          assert.equal(await p.getByRole("textbox", { name: "Message" }).inputValue(), "");
          held.resolve();
          const m = await agentSees(agent, "sent before the code came");
          assert.deepEqual(m.attachments?.map((a) => a.name), ["early.pdf"]);
          await agent.roundTrip();
          const seen = agent.all("message").filter((f) =>
            (f.message as WireMessage).body === "sent before the code came"
          );
          assert.equal(seen.length, 1, "one message, with its file");
        },
      );

      await step("attached offline: uploaded and sent exactly once when back", async () => {
        const { ctx, p } = await newPage();
        await p.goto(`${url}/`);
        await openChat(p);
        // A first file while online loads the chunk (then in the browser's cache for good).
        await attachFiles(p, [{ name: "first.pdf", mimeType: "application/pdf", bytes: PDF }]);
        await send(p, "before the tunnel");
        await agentSees(agent, "before the tunnel");
        await ctx.setOffline(true);
        await p.getByText("You're offline").waitFor();
        await attachFiles(p, [
          { name: "tunnel.png", mimeType: "image/png", bytes: await png(p, 320, 240, 260) },
        ]);
        await p.getByText("Waiting for the connection…").waitFor();
        await send(p, "sent from the tunnel");
        await p.getByText("Sends once the files are uploaded.").waitFor();
        await ctx.setOffline(false);
        const m = await agentSees(agent, "sent from the tunnel");
        assert.deepEqual(m.attachments?.map((a) => a.name), ["tunnel.png"]);
        await p.locator("parley-chat .ds[title='Sent']").nth(1).waitFor({ timeout: WAIT });
        await agent.roundTrip();
        const seen = agent.all("message").filter((f) =>
          (f.message as WireMessage).body === "sent from the tunnel"
        );
        assert.equal(seen.length, 1, "the agent saw the offline message exactly once");
      });

      await step("an agent's PDF and image: card and thumbnail, full size, download", async () => {
        const { p } = await newPage(PHONE);
        await p.goto(`${url}/`);
        await openChat(p);
        await send(p, "Can you send me the manual?");
        const { conversationId } = await agentSees(agent, "Can you send me the manual?");
        agent.send({ type: "accept", conversationId });
        const photo = await png(p, 900, 600, 30);
        const upload = async (name: string, type: string, bytes: Uint8Array) => {
          const res = await fetch(`${url}/api/conversations/${conversationId}/attachments`, {
            method: "POST",
            headers: {
              cookie,
              "x-parley-csrf": "1",
              "content-type": type,
              "x-parley-filename": encodeURIComponent(name),
            },
            body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
          });
          assert.equal(res.status, 201, await res.clone().text());
          return ((await res.json()) as { attachment: WireAttachment }).attachment;
        };
        const pdf = await upload("Sofa manual.pdf", "application/pdf", PDF);
        const img = await upload("assembly.png", "image/png", photo);
        agent.send({
          type: "message",
          conversationId,
          clientId: crypto.randomUUID(),
          body: "Here is the manual and a photo of step 3",
          attachments: [pdf.id, img.id],
        });
        const card = p.getByRole("button", { name: "Download Sofa manual.pdf" });
        await card.waitFor({ timeout: WAIT });
        const thumb = p.getByRole("button", { name: "Open assembly.png full size" });
        // The thumbnail's bytes came with the token in a header, shown through a blob: URL.
        await p.waitForFunction(
          () => {
            const img = document.querySelector("parley-chat")!.shadowRoot!.querySelector(".th img");
            return img instanceof HTMLImageElement && img.src.startsWith("blob:") &&
              img.complete && img.naturalWidth === 900;
          },
          undefined,
          { timeout: WAIT },
        );
        await p.screenshot({ path: `${shots}/widget-att-thread-phone.png` });

        const [download] = await Promise.all([p.waitForEvent("download"), card.click()]);
        assert.equal(download.suggestedFilename(), "Sofa manual.pdf");
        const saved = await Deno.readFile((await download.path())!);
        assert.deepEqual(saved, PDF);

        await thumb.click();
        const viewer = p.getByRole("dialog", { name: "assembly.png" });
        await viewer.waitFor();
        await p.waitForFunction(
          () => {
            const img = document.querySelector("parley-chat")!.shadowRoot!.querySelector(".lb img");
            return img instanceof HTMLImageElement && img.complete && img.naturalWidth === 900;
          },
          undefined,
          { timeout: WAIT },
        );
        await p.screenshot({ path: `${shots}/widget-att-viewer-phone.png` });
        // Escape closes the viewer, not the chat.
        await p.keyboard.press("Escape");
        await viewer.waitFor({ state: "detached" });
        await p.getByRole("textbox", { name: "Message" }).waitFor();
      });

      await step(
        "a visitor cannot read another visitor's file; tokens only in a header",
        async () => {
          const other = await server!.visitorSocket();
          const token = String(other.all("welcome")[0].token);
          const file = firstVisitorFile!;
          const byOther = await fetch(`${url}/api/attachments/${file.id}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await byOther.body?.cancel();
          assert.equal(byOther.status, 404);
          const inQuery = await fetch(`${url}/api/attachments/${file.id}?token=${token}`);
          await inQuery.body?.cancel();
          assert.ok(inQuery.status === 401 || inQuery.status === 403, `${inQuery.status}`);
          await other.close();
        },
      );

      await agent.close();
      assert.deepEqual(errors, []);
    } finally {
      for (const ctx of contexts) await ctx.close().catch(() => {});
      await browser?.close();
      await server?.close();
      await Deno.remove(dist, { recursive: true });
    }
  },
});
