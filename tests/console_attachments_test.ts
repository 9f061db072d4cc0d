/**
 * Attachments in the agent console (issue 18), in real Chromium against the real server on
 * Postgres: an agent attaches a PDF with "Attach a file" (the file chooser), an image by paste
 * and another by drop, with a caption, and one message reaches the visitor's socket with the
 * three attachments, whose bytes the visitor downloads with their token; a note with a file
 * never reaches the visitor, who gets 404 for it; a visitor's image shows as a thumbnail that
 * opens full size; a file over the limit is refused before it is sent; an upload is cancelled;
 * a failed upload holds its message back until it is retried. axe clean with the tray shown.
 * Screenshots: `console-att-*.png` (1280x800 and 390x844) in `/work/wt/shots` when `/work/wt`
 * exists, else in `tests/artifacts/` (tests/helpers/shots.ts).
 * Run after `deno task build` (the server serves `dist/`).
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page, Route } from "playwright-core";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { shotsDir } from "./helpers/shots.ts";
import { attachFiles } from "./helpers/attach_files.ts";
import { axeViolations } from "./helpers/axe.ts";
import { ADMIN, startTestServer } from "./helpers/server.ts";
import type { Frame } from "./helpers/ws_client.ts";

const TIMEOUT = 30_000;
/** The server's limit in this test: small, so a too-large file is cheap to make. */
const MAX_BYTES = 200_000;

/** A small but real PDF (the server sniffs `%PDF-`). */
function pdf(text: string): Uint8Array {
  return new TextEncoder().encode(
    `%PDF-1.4\n% ${text}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n`,
  );
}

/** A PNG of `w`x`h` drawn by the browser (a real image, so its thumbnail shows something). */
async function png(page: Page, w: number, h: number, color: string): Promise<Uint8Array> {
  const b64 = await page.evaluate(({ w, h, color }) => {
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    const g = c.getContext("2d")!;
    g.fillStyle = color;
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#fff";
    g.fillRect(w / 4, h / 4, w / 2, h / 2);
    return c.toDataURL("image/png").split(",")[1];
  }, { w, h, color });
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

/** Dispatches a paste (`paste`) or a drop (`drop`, after `dragover`) of one file. */
async function handFile(
  page: Page,
  how: "paste" | "drop",
  file: { name: string; type: string; bytes: Uint8Array },
) {
  await page.evaluate(({ how, name, type, bytes }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], name, { type }));
    if (how === "paste") {
      const box = document.querySelector("#reply")!;
      box.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }),
      );
      return;
    }
    const target = document.querySelector(".messages")!;
    for (const type of ["dragover", "drop"]) {
      target.dispatchEvent(
        new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }),
      );
    }
  }, { how, name: file.name, type: file.type, bytes: [...file.bytes] });
}

/** Chooses PDFs with the "Attach a file" button's file chooser. */
function choose(page: Page, files: { name: string; bytes: Uint8Array }[]) {
  return attachFiles(page, files.map((f) => ({ ...f, mimeType: "application/pdf" })));
}

Deno.test({
  name: "agents attach files by button, paste and drop, notes keep theirs private, limits show",
  ignore: !browserAvailable(),
  async fn() {
    await using srv = await startTestServer({
      backend: "postgres",
      env: { PARLEY_MAX_UPLOAD_BYTES: String(MAX_BYTES) },
    });
    await using browser = await launchBrowser();
    const shots = await shotsDir();
    // axe is injected as an inline script: the page's CSP would refuse it.
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const visitor = await srv.visitorSocket();
    const token = String(visitor.frames.find((f) => f.type === "welcome")?.token);
    const asVisitor = (path: string, init: RequestInit = {}) =>
      fetch(`${srv.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...init.headers },
      });
    /** The next message frame the visitor gets whose body is `body`. */
    const visitorGets = (body: string) =>
      visitor.nextOf("message", (f) => (f.message as { body: string }).body === body);
    try {
      await page.goto(`${srv.url}/console`);
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator(".conn-connected").waitFor();

      visitor.send({ type: "message", clientId: "v1", body: "My order arrived broken" });
      await page.locator(".row", { hasText: "My order arrived broken" }).click();
      await page.getByRole("button", { name: "Accept", exact: true }).click();

      // A visitor's image: uploaded with their token, sent in a message, a thumbnail here.
      const shot = await png(page, 480, 320, "#c0392b");
      const up = await asVisitor("/api/widget/attachments", {
        method: "POST",
        headers: { "x-parley-filename": "broken-box.png", "content-type": "image/png" },
        body: Buffer.from(shot),
      });
      assert.equal(up.status, 201, await up.clone().text());
      const visitorFile = (await up.json()).attachment as { id: string };
      visitor.send({
        type: "message",
        clientId: "v2",
        body: "Here is a photo",
        attachments: [visitorFile.id],
      });
      const thumb = page.getByRole("img", { name: "broken-box.png" });
      await thumb.waitFor();
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>(".att-thumb img")]
          .every((i) => i.complete && i.naturalWidth > 0)
      );
      await thumb.click();
      const viewer = page.getByRole("dialog", { name: "broken-box.png" });
      await viewer.waitFor();
      assert.equal(
        await viewer.getByRole("img").evaluate((i) => (i as HTMLImageElement).naturalWidth),
        480,
        "the full-size image",
      );
      await viewer.getByRole("link", { name: "Download" }).waitFor();
      await page.keyboard.press("Escape");
      await viewer.waitFor({ state: "hidden" });

      // A PDF by the button, an image by paste, another by drop: one tray.
      const invoice = pdf("invoice 1234");
      await choose(page, [{ name: "invoice.pdf", bytes: invoice }]);
      const pasted = await png(page, 200, 120, "#2e86de");
      await handFile(page, "paste", { name: "pasted.png", type: "image/png", bytes: pasted });
      const dropped = await png(page, 160, 160, "#27ae60");
      await handFile(page, "drop", { name: "dropped.png", type: "image/png", bytes: dropped });
      const tray = page.getByRole("group", { name: "Files to send" });
      await tray.locator(".tray-done").nth(2).waitFor();
      assert.equal(await tray.getByRole("listitem").count(), 3);
      await page.getByRole("textbox", { name: "Reply" }).fill("Three files for you");
      assert.deepEqual(await axeViolations(page), []);
      await page.screenshot({ path: `${shots}/console-att-tray-desktop.png` });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: `${shots}/console-att-tray-phone.png` });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.getByRole("textbox", { name: "Reply" }).press("Enter");

      const sent = (await visitorGets("Three files for you")).message as {
        attachments: { id: string; name: string; type: string; size: number }[];
      };
      assert.deepEqual(
        sent.attachments.map((a) => [a.name, a.type, a.size]),
        [
          ["invoice.pdf", "application/pdf", invoice.length],
          ["pasted.png", "image/png", pasted.length],
          ["dropped.png", "image/png", dropped.length],
        ],
      );
      for (const [i, bytes] of [invoice, pasted, dropped].entries()) {
        const res = await asVisitor(`/api/attachments/${sent.attachments[i].id}`);
        assert.equal(res.status, 200);
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
      }
      await tray.waitFor({ state: "detached" });
      const card = page.getByRole("link", { name: /invoice\.pdf/ });
      await card.waitFor();
      assert.match(await card.innerText(), /invoice\.pdf\s*\d+ B · PDF/);
      await page.getByRole("img", { name: "dropped.png" }).waitFor();
      await page.screenshot({ path: `${shots}/console-att-thread-desktop.png` });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: `${shots}/console-att-thread-phone.png` });
      await page.setViewportSize({ width: 1280, height: 800 });

      // A note with a file: never on the visitor's socket, and 404 for the visitor.
      await page.getByRole("button", { name: "Note" }).click();
      await choose(page, [{ name: "internal-notes.pdf", bytes: pdf("agents only") }]);
      await tray.locator(".tray-done").waitFor();
      await page.getByRole("textbox", { name: "Reply" }).fill("Refund approved, see the PDF");
      await page.getByRole("textbox", { name: "Reply" }).press("Enter");
      const noteCard = page.locator(".msg-note:not(.msg-pending)").getByRole("link", {
        name: /internal-notes\.pdf/,
      });
      await noteCard.waitFor();
      const noteFile = (await noteCard.getAttribute("href"))!.split("/").pop()!;
      await page.getByRole("button", { name: "Note" }).click();
      await page.getByRole("textbox", { name: "Reply" }).fill("After the note");
      await page.getByRole("textbox", { name: "Reply" }).press("Enter");
      await visitorGets("After the note");
      const leaked = visitor.frames.filter((f: Frame) =>
        JSON.stringify(f).includes("internal-notes")
      );
      assert.deepEqual(leaked, [], "the note reached the visitor");
      assert.equal((await asVisitor(`/api/attachments/${noteFile}`)).status, 404);

      // Over the limit: refused before a byte is sent.
      await choose(page, [{ name: "huge.pdf", bytes: new Uint8Array(MAX_BYTES + 1).fill(65) }]);
      await tray.getByRole("alert").filter({ hasText: "Too large: the limit is 195 KB" })
        .waitFor();
      await tray.getByRole("button", { name: "Remove huge.pdf" }).click();
      await tray.waitFor({ state: "detached" });

      // Cancel: an upload held on the way is stopped and leaves the tray.
      let held: Route | null = null;
      const uploads = "**/api/conversations/*/uploads";
      await page.route(uploads, (route) => void (held = route));
      await choose(page, [{ name: "slow.pdf", bytes: pdf("slow") }]);
      await tray.getByRole("progressbar", { name: "Uploading slow.pdf" }).waitFor();
      await tray.getByRole("button", { name: "Cancel upload of slow.pdf" }).click();
      await tray.waitFor({ state: "detached" });
      await page.unroute(uploads);
      await (held as Route | null)?.abort().catch(() => {});

      // Retry: the first try fails; Send waits; Retry uploads it and the message goes out.
      let failures = 0;
      await page.route(uploads, (route) => {
        if (failures++ === 0) return route.abort("connectionreset");
        return route.continue();
      });
      await choose(page, [{ name: "flaky.pdf", bytes: pdf("flaky") }]);
      await tray.getByRole("button", { name: "Retry upload of flaky.pdf" }).waitFor();
      await page.getByRole("textbox", { name: "Reply" }).fill("The label, once more");
      await page.getByRole("textbox", { name: "Reply" }).press("Enter");
      await tray.getByRole("status").filter({
        hasText: "Not sent yet: retry or remove the files that failed",
      }).waitFor();
      await tray.getByRole("button", { name: "Retry upload of flaky.pdf" }).click();
      const retried = (await visitorGets("The label, once more")).message as {
        attachments: { name: string }[];
      };
      assert.deepEqual(retried.attachments.map((a) => a.name), ["flaky.pdf"]);
      await page.unroute(uploads);
      assert.equal(
        visitor.frames.filter((f) =>
          f.type === "message" && (f.message as { body: string }).body === "The label, once more"
        ).length,
        1,
        "one message, sent once",
      );

      // A part whose connection drops is resumed on its own from where the server stands.
      const parts = "**/api/uploads/*";
      let puts = 0;
      await page.route(parts, (route) => {
        if (route.request().method() === "PUT" && puts++ === 0) {
          return route.abort("connectionreset");
        }
        return route.continue();
      });
      // Within this server's 195 KB limit: one part, sent again after asking where it stands.
      const big = new Uint8Array(150_000).fill(0x20);
      big.set(pdf("resumed"));
      await choose(page, [{ name: "resumed.pdf", bytes: big }]);
      await page.getByRole("textbox", { name: "Reply" }).fill("The full scan");
      await page.getByRole("textbox", { name: "Reply" }).press("Enter");
      const resumed = (await visitorGets("The full scan")).message as {
        attachments: { name: string; size: number }[];
      };
      assert.deepEqual(resumed.attachments.map((a) => [a.name, a.size]), [[
        "resumed.pdf",
        big.length,
      ]]);
      assert.ok(puts >= 2, `the dropped part and its resend went through the route (${puts})`);
      await page.unroute(parts);
    } catch (err) {
      await page.screenshot({ path: `${shots}/console-att-failure.png` });
      throw err;
    } finally {
      await visitor.close();
      await context.close();
    }
  },
});
