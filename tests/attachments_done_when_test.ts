/**
 * Issue 18's "done when", end to end in real Chromium against one real Parley server: a shopper
 * on a phone sends a photo of a parcel from the demo storefront's widget, and the agent answers
 * from the console with a PDF.
 *
 * 1. The shopper (a phone: 390x844, touch, 2x) opens the chat, attaches `parcel.jpg` (a JPEG of a
 *    damaged brown box with tape, drawn on a canvas) with "Attach a file", types "The parcel
 *    arrived damaged" and taps Send.
 * 2. The agent (1280x800, signed in to the console) takes the conversation from the Queue with the
 *    keyboard (`j` opens it, `a` accepts it), sees the photo's thumbnail, opens it full size and
 *    closes it, attaches `refund-invoice.pdf` with "Attach a file" and replies.
 * 3. The shopper sees the reply live with its card, "Download refund-invoice.pdf", and the
 *    download saves the very bytes the agent attached.
 *
 * Screenshots (tests/helpers/shots.ts): `done-when-1-shopper-tray-phone.png` (the tray with the
 * photo and the typed caption), `done-when-2-console-desktop.png` (the conversation with both
 * messages), `done-when-3-console-phone.png` (the same conversation in the console on a phone,
 * at the newest message as it opens), `done-when-3-console-phone-top.png` (scrolled up to the
 * shopper's message) and `done-when-4-shopper-reply-phone.png` (the shopper's thread with the
 * agent's PDF).
 * Run after `deno task build` (the server serves `dist/`).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { attachFiles, PHONE } from "./helpers/attach_files.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";
import { shotsDir } from "./helpers/shots.ts";
import { startTestServer } from "./helpers/server.ts";
import { PATIENCE_MS } from "./helpers/wait.ts";
import { openChat } from "./helpers/widget_page.ts";

const PHOTO = { name: "parcel.jpg", width: 960, height: 720 };
const PDF_NAME = "refund-invoice.pdf";
/** The console's card for the PDF: its name, then its size and type. */
const PDF_CARD = /^refund-invoice\.pdf/;
const COMPLAINT = "The parcel arrived damaged";
const REPLY = "Sorry about that: here is your refund invoice";

/**
 * A small valid PDF: one A4 page saying `text`, with a cross-reference table whose offsets are
 * right, so any reader opens it.
 */
function refundInvoicePdf(text: string): Uint8Array {
  const content = `BT /F1 24 Tf 72 760 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " +
    "/Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/**
 * A JPEG "photo" of a parcel drawn in the page: a brown cardboard box on a floor, packing tape
 * over its flaps, a shipping label, and a crushed, torn corner.
 */
async function parcelPhoto(page: Page): Promise<Uint8Array> {
  const b64 = await page.evaluate(({ width: w, height: h }) => {
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    const g = c.getContext("2d")!;
    const poly = (fill: string, pts: number[][]) => {
      g.fillStyle = fill;
      g.beginPath();
      g.moveTo(pts[0][0], pts[0][1]);
      for (const [x, y] of pts.slice(1)) g.lineTo(x, y);
      g.closePath();
      g.fill();
    };
    // Wall and floor.
    const wall = g.createLinearGradient(0, 0, 0, h * 0.45);
    wall.addColorStop(0, "#e9e4dc");
    wall.addColorStop(1, "#d9d2c7");
    g.fillStyle = wall;
    g.fillRect(0, 0, w, h * 0.45);
    const floor = g.createLinearGradient(0, h * 0.45, 0, h);
    floor.addColorStop(0, "#a99a86");
    floor.addColorStop(1, "#7d6f5e");
    g.fillStyle = floor;
    g.fillRect(0, h * 0.45, w, h * 0.55);
    // Shadow.
    g.fillStyle = "#0000004d";
    g.beginPath();
    g.ellipse(540, 640, 330, 40, 0, 0, 7);
    g.fill();
    // The box: front, top and side faces.
    poly("#b07a45", [[230, 300], [690, 300], [690, 640], [230, 640]]);
    poly("#c9925a", [[230, 300], [690, 300], [800, 210], [340, 210]]);
    poly("#8a5a2e", [[690, 300], [800, 210], [800, 550], [690, 640]]);
    // The flaps' seam on top, and the tape over it and down the front.
    g.strokeStyle = "#7a4f27";
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(285, 255);
    g.lineTo(745, 255);
    g.stroke();
    poly("#e6cf93e6", [[425, 300], [495, 300], [605, 210], [535, 210]]);
    poly("#e6cf93e6", [[425, 300], [495, 300], [495, 420], [425, 420]]);
    // The shipping label: address lines and a barcode.
    g.fillStyle = "#fbfaf6";
    g.fillRect(520, 450, 145, 110);
    g.fillStyle = "#333";
    for (let i = 0; i < 3; i++) g.fillRect(532, 464 + i * 14, 100 - i * 22, 6);
    for (let x = 532; x < 652; x += 5) g.fillRect(x, 515, (x * 7) % 3 + 1, 32);
    // FRAGILE.
    g.fillStyle = "#c0392b";
    g.font = "bold 44px sans-serif";
    g.fillText("FRAGILE", 260, 600);
    // The crushed, torn corner: a dent, creases and a gap showing the inside.
    poly("#5c3a1a", [[230, 300], [300, 300], [262, 352], [230, 340]]);
    g.strokeStyle = "#4a2d12";
    g.lineWidth = 4;
    g.beginPath();
    g.moveTo(300, 300);
    g.lineTo(262, 352);
    g.lineTo(290, 392);
    g.lineTo(248, 430);
    g.moveTo(340, 210);
    g.lineTo(318, 258);
    g.lineTo(352, 286);
    g.stroke();
    return c.toDataURL("image/jpeg", 0.9).split(",")[1];
  }, { width: PHOTO.width, height: PHOTO.height });
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

/** Resolves once every image in the widget's shadow root matching `selector` has loaded. */
async function widgetImagesLoaded(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (selector) => {
      const imgs = [
        ...document.querySelector("parley-chat")!.shadowRoot!.querySelectorAll(selector),
      ];
      return imgs.length > 0 &&
        imgs.every((i) => i instanceof HTMLImageElement && i.complete && i.naturalWidth > 0);
    },
    selector,
    { timeout: PATIENCE_MS },
  );
}

/** Resolves once every thumbnail in the console's thread has loaded. */
async function consoleThumbsLoaded(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>(".messages .att-thumb img")];
      return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    undefined,
    { timeout: PATIENCE_MS },
  );
}

Deno.test({
  name: "issue 18 done when: a shopper's phone sends a parcel photo, the agent answers with a PDF",
  ignore: !browserAvailable(),
  async fn() {
    await using srv = await startTestServer();
    await using browser = await launchBrowser();
    const shots = await shotsDir();
    const errors: string[] = [];
    const open = async (options: Parameters<typeof browser.newContext>[0]) => {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      page.setDefaultTimeout(PATIENCE_MS);
      page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
      return { context, page };
    };
    const shopper = await open(PHONE);
    const agent = await open({ viewport: { width: 1280, height: 800 } });
    const agentPhone = await open(PHONE);
    const pdf = refundInvoicePdf("Refund invoice 1042: 49.90 EUR");
    try {
      await signInConsole(agent.page, srv.url);

      // 1. The shopper, on the demo storefront: the photo by "Attach a file", a caption, Send.
      const s = shopper.page;
      await s.goto(`${srv.url}/`);
      await openChat(s);
      const photo = await parcelPhoto(s);
      await attachFiles(s, [{ name: PHOTO.name, mimeType: "image/jpeg", bytes: photo }]);
      // Uploaded: the tray shows the photo's preview and no progress bar any more.
      await s.getByRole("button", { name: `Remove ${PHOTO.name}` }).waitFor();
      await s.getByRole("progressbar", { name: `Uploading ${PHOTO.name}` }).waitFor({
        state: "detached",
      });
      await widgetImagesLoaded(s, ".tf img");
      await s.getByRole("textbox", { name: "Message" }).fill(COMPLAINT);
      await s.screenshot({ path: `${shots}/done-when-1-shopper-tray-phone.png` });
      await s.getByRole("button", { name: "Send" }).tap();
      // Sent: the tray is gone and the shopper's own message shows the photo.
      await s.locator("parley-chat .tf").waitFor({ state: "detached" });
      await s.getByRole("button", { name: `Open ${PHOTO.name} full size` }).waitFor();

      // 2. The agent takes it from the Queue with the keyboard: `j` opens it, `a` accepts it.
      const a = agent.page;
      await a.locator(".row", { hasText: COMPLAINT }).waitFor();
      await a.keyboard.press("j");
      const accept = a.getByRole("button", { name: "Accept", exact: true });
      await accept.waitFor();
      await a.keyboard.press("a");
      await accept.waitFor({ state: "detached" });
      const thread = a.locator(".messages");
      await thread.getByText(COMPLAINT).waitFor();
      // The photo, by its accessible name, as a loaded thumbnail.
      const thumb = thread.getByRole("img", { name: PHOTO.name });
      await thumb.waitFor();
      await consoleThumbsLoaded(a);
      await thumb.click();
      const viewer = a.getByRole("dialog", { name: PHOTO.name });
      await viewer.waitFor();
      // Full size: the JPEG's own width, once loaded.
      const full = viewer.getByRole("img", { name: PHOTO.name });
      await full.waitFor();
      await full.evaluate((img, w) =>
        (img as HTMLImageElement).decode().then(() => {
          if ((img as HTMLImageElement).naturalWidth !== w) throw new Error("not full size");
        }), PHOTO.width);
      await viewer.getByRole("button", { name: "Close" }).click();
      await viewer.waitFor({ state: "hidden" });

      await attachFiles(a, [{ name: PDF_NAME, mimeType: "application/pdf", bytes: pdf }]);
      const tray = a.getByRole("group", { name: "Files to send" });
      await tray.locator(".tray-done").waitFor();
      await a.getByRole("textbox", { name: "Reply" }).fill(REPLY);
      await a.getByRole("textbox", { name: "Reply" }).press("Enter");
      await tray.waitFor({ state: "detached" });
      // Stored and echoed: the reply with its card, no longer pending.
      const sent = a.locator(".msg:not(.msg-pending)", { hasText: REPLY });
      await sent.getByRole("link", { name: PDF_CARD }).waitFor();
      await a.screenshot({ path: `${shots}/done-when-2-console-desktop.png` });

      // The same conversation in the console on a phone: Mine, then its row.
      const ap = agentPhone.page;
      await signInConsole(ap, srv.url);
      await ap.getByRole("tab", { name: /^Mine/ }).tap();
      await ap.locator(".row", { hasText: REPLY }).tap();
      await ap.locator(".messages").getByRole("img", { name: PHOTO.name }).waitFor();
      await consoleThumbsLoaded(ap);
      await ap.locator(".messages").getByRole("link", { name: PDF_CARD }).waitFor();
      await ap.screenshot({ path: `${shots}/done-when-3-console-phone.png` });
      // The phone shows the newest at the bottom; scrolled up, the shopper's caption too.
      await ap.locator(".messages .msg", { hasText: COMPLAINT }).evaluate((msg) => {
        msg.scrollIntoView({ block: "start" });
      });
      await ap.waitForFunction(
        () => {
          const list = document.querySelector(".messages")!.getBoundingClientRect();
          const first = document.querySelector(".messages .msg")!.getBoundingClientRect();
          return first.top >= list.top - 1 && first.top <= list.top + 24;
        },
        undefined,
        { timeout: PATIENCE_MS },
      );
      await ap.screenshot({ path: `${shots}/done-when-3-console-phone-top.png` });

      // 3. The shopper sees the reply live, with the PDF's card; it downloads the same bytes.
      await s.getByText(REPLY).waitFor();
      const card = s.getByRole("button", { name: `Download ${PDF_NAME}` });
      await card.waitFor();
      await widgetImagesLoaded(s, ".th img");
      await s.screenshot({ path: `${shots}/done-when-4-shopper-reply-phone.png` });
      const [download] = await Promise.all([s.waitForEvent("download"), card.tap()]);
      assert.equal(download.suggestedFilename(), PDF_NAME);
      const saved = await download.path();
      assert.ok(saved, "the PDF was saved");
      assert.deepEqual(new Uint8Array(await Deno.readFile(saved)), pdf);

      assert.deepEqual(errors, [], "no errors in any page");
    } catch (err) {
      for (const [who, { page }] of Object.entries({ shopper, agent, agentPhone })) {
        await page.screenshot({ path: `${shots}/done-when-failure-${who}.png` }).catch(() => {});
      }
      throw err;
    } finally {
      for (const { context } of [shopper, agent, agentPhone]) await context.close();
    }
  },
});
