import assert from "node:assert/strict";
import { isAutomatic, parseInboundEmail } from "./inbound_email.ts";
import { replyText } from "./reply_text.ts";
import { ParleyError } from "../errors.ts";

const enc = new TextEncoder();
const crlf = (lines: string[]) => enc.encode(lines.join("\r\n"));

// Replies as the mail clients send them (addresses, ids and dates changed; structure kept).

const GMAIL = crlf([
  "Delivered-To: reply+c1.0123456789abcdef0123@in.example.com",
  "MIME-Version: 1.0",
  "References: <first@example.com> <b6f1c0de@example.com>",
  "In-Reply-To: <b6f1c0de@example.com>",
  "From: Ann Example <Ann@Example.org>",
  "Date: Tue, 1 Dec 2026 10:15:02 +0100",
  "Message-ID: <CAJx9=abc+DEF@mail.gmail.com>",
  "Subject: Re: Your question about order 1042",
  "To: Acme Support <reply+c1.0123456789abcdef0123@in.example.com>",
  'Content-Type: multipart/alternative; boundary="000000000000a1b2c3"',
  "",
  "--000000000000a1b2c3",
  'Content-Type: text/plain; charset="UTF-8"',
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Merci, =C3=A7a marche !",
  "",
  "On Tue, Dec 1, 2026 at 10:02=E2=80=AFAM Acme Support <support@example.com>",
  "wrote:",
  "",
  "> Try restarting the router.",
  ">",
  "",
  "--000000000000a1b2c3",
  'Content-Type: text/html; charset="UTF-8"',
  "Content-Transfer-Encoding: quoted-printable",
  "",
  '<div dir=3D"ltr">Merci, =C3=A7a marche !</div><br><div class=3D"gmail_quote">=',
  "On Tue... wrote:<blockquote>Try restarting the router.</blockquote></div>",
  "",
  "--000000000000a1b2c3--",
  "",
]);

const OUTLOOK_HTML_ONLY = crlf([
  "From: =?iso-8859-1?Q?J=FCrgen_M=FCller?= <jurgen@example.de>",
  "To: support@example.com",
  "Cc: Reply+C1.0123456789ABCDEF0123@in.example.com",
  "Subject: AW: Your order",
  "Thread-Topic: Your order",
  "Message-ID: <AM0PR01MB1234@AM0PR01MB1234.eurprd01.prod.outlook.com>",
  "In-Reply-To: <b6f1c0de@example.com>",
  "Content-Type: text/html; charset=iso-8859-1",
  "Content-Transfer-Encoding: quoted-printable",
  "MIME-Version: 1.0",
  "",
  "<html><body><div>Vielen Dank f=FCr die schnelle Antwort!</div>",
  '<hr style=3D"display:inline-block;width:98%"><div id=3D"divRplyFwdMsg">',
  "<b>Von:</b> Acme Support &lt;support@example.com&gt;<br>",
  "<b>Gesendet:</b> Dienstag, 1. Dezember 2026 10:02<br><b>Betreff:</b> Your order</div>",
  "<div>Your parcel left our warehouse.</div></body></html>",
  "",
]);

const APPLE_MAIL = crlf([
  "Content-Type: text/plain; charset=us-ascii; format=flowed",
  "Content-Transfer-Encoding: 7bit",
  "Mime-Version: 1.0 (1.0)",
  "Subject: Re: Order 1042",
  "From: bea@example.net",
  "In-Reply-To: <b6f1c0de@example.com>",
  "Message-Id: <5E1F2A3B-4C5D-6E7F-8091-A2B3C4D5E6F7@example.net>",
  "Date: Tue, 1 Dec 2026 10:20:00 +0000",
  "To: Acme Support <support@example.com>",
  "X-Mailer: iPhone Mail (22A3354)",
  "",
  "It is the blue one, size M. Can I still change it to ",
  "an L?",
  "",
  "Sent from my iPhone",
  "",
  "> On 1 Dec 2026, at 10:02, Acme Support <support@example.com> wrote:",
  "> ",
  "> Which one did you order?",
  "",
]);

Deno.test("parseInboundEmail() reads a Gmail reply: ids, recipients, sender, reply text", async () => {
  const email = await parseInboundEmail(GMAIL);
  assert.equal(email.messageId, "<CAJx9=abc+DEF@mail.gmail.com>");
  assert.equal(email.from, "ann@example.org");
  assert.deepEqual(email.inReplyTo, ["<b6f1c0de@example.com>"]);
  assert.deepEqual(email.references, ["<b6f1c0de@example.com>", "<first@example.com>"]);
  assert.deepEqual(email.recipients, ["reply+c1.0123456789abcdef0123@in.example.com"]);
  assert.equal(email.automatic, false);
  assert.equal(replyText(email.text), "Merci, ça marche !");
});

Deno.test("parseInboundEmail() reads an HTML-only Outlook reply in Latin-1", async () => {
  const email = await parseInboundEmail(OUTLOOK_HTML_ONLY);
  assert.equal(email.from, "jurgen@example.de");
  assert.ok(email.recipients.includes("Reply+C1.0123456789ABCDEF0123@in.example.com"));
  assert.ok(email.recipients.includes("support@example.com"));
  assert.equal(replyText(email.text), "Vielen Dank für die schnelle Antwort!");
});

Deno.test("parseInboundEmail() reads an Apple Mail reply in format=flowed", async () => {
  const email = await parseInboundEmail(APPLE_MAIL);
  assert.equal(email.messageId, "<5E1F2A3B-4C5D-6E7F-8091-A2B3C4D5E6F7@example.net>");
  assert.equal(replyText(email.text), "It is the blue one, size M. Can I still change it to an L?");
});

Deno.test("parseInboundEmail() makes an id from the bytes for an email without Message-ID", async () => {
  const raw = crlf(["From: a@example.org", "Subject: hi", "", "Hello", ""]);
  const one = await parseInboundEmail(raw);
  const two = await parseInboundEmail(raw);
  assert.match(one.messageId, /^<[0-9a-f]{40}@parley\.invalid>$/);
  assert.equal(one.messageId, two.messageId);
});

Deno.test("parseInboundEmail() refuses a body that is no email", async () => {
  for (const body of ["", "garbage \u0000\u0001 not mail", "Subject: no sender\r\n\r\nHello"]) {
    await assert.rejects(
      () => parseInboundEmail(enc.encode(body)),
      (err) => err instanceof ParleyError && err.code === "mail_refused",
    );
  }
});

Deno.test("isAutomatic() knows auto-replies, bounces and lists, not people's mail", () => {
  const h = (entries: [string, unknown][]) => new Map(entries);
  assert.equal(isAutomatic(h([["auto-submitted", "auto-replied"]])), true);
  assert.equal(isAutomatic(h([["auto-submitted", "auto-generated; type=vacation"]])), true);
  assert.equal(isAutomatic(h([["x-autoreply", "yes"]])), true);
  assert.equal(isAutomatic(h([["precedence", "Bulk"]])), true);
  assert.equal(isAutomatic(h([["precedence", "auto_reply"]])), true);
  assert.equal(
    isAutomatic(h([["content-type", { value: "multipart/report", params: {} }]])),
    true,
  );
  assert.equal(isAutomatic(h([["auto-submitted", "no"]])), false);
  assert.equal(isAutomatic(h([["content-type", { value: "text/plain", params: {} }]])), false);
  assert.equal(isAutomatic(h([])), false);
});
