import assert from "node:assert/strict";
import { PARSED_LINE_CHARS, replyText } from "./reply_text.ts";
import { MAX_BODY_CHARS } from "../../protocol/limits.ts";

// Plain-text parts as the mail clients send them (dates, names and addresses changed).

Deno.test("replyText() drops Gmail's 'On … wrote:' header and the quoted lines", () => {
  const text = [
    "Thanks, restarting it worked!",
    "",
    "Ann",
    "",
    "On Tue, Dec 1, 2026 at 10:02 AM Acme Support <support@example.com>",
    "wrote:",
    "",
    "> Hi Ann,",
    "> Try restarting the router.",
    ">",
    "> Bob",
    "",
  ].join("\r\n");
  assert.equal(replyText(text), "Thanks, restarting it worked!\n\nAnn");
});

Deno.test("replyText() drops Apple Mail's header, quote and 'Sent from my iPhone'", () => {
  const text = [
    "Yes, order 1042.",
    "",
    "Sent from my iPhone",
    "",
    "> On 1 Dec 2026, at 10:02, Acme Support <support@example.com> wrote:",
    "> ",
    "> Which order is it about?",
  ].join("\n");
  assert.equal(replyText(text), "Yes, order 1042.");
});

Deno.test("replyText() drops Outlook's '-----Original Message-----' block", () => {
  const text = [
    "It arrived today, thank you.",
    "",
    "-----Original Message-----",
    "From: Acme Support <support@example.com>",
    "Sent: Tuesday, December 1, 2026 10:02 AM",
    "To: Ann <ann@example.org>",
    "Subject: Your order",
    "",
    "Your parcel left our warehouse.",
  ].join("\r\n");
  assert.equal(replyText(text), "It arrived today, thank you.");
});

Deno.test("replyText() drops Outlook.com's underscore rule and From: header block", () => {
  const text = [
    "Could you send the invoice again?",
    "",
    "Get Outlook for iOS<https://aka.ms/o0ukef>",
    "________________________________",
    "From: Acme Support <support@example.com>",
    "Sent: Tuesday, December 1, 2026 10:02",
    "To: ann@example.org <ann@example.org>",
    "Subject: Re: Invoice",
    "",
    "Here is your invoice.",
  ].join("\r\n");
  assert.equal(replyText(text), "Could you send the invoice again?");
});

Deno.test("replyText() drops French, German and Spanish quote headers", () => {
  const quoted = "\n\n> Bonjour\n> Hallo\n> Hola\n";
  assert.equal(
    replyText(
      "Merci beaucoup !\n\nLe mar. 1 déc. 2026 à 10:02, Acme <s@example.com> a écrit :" +
        quoted,
    ),
    "Merci beaucoup !",
  );
  assert.equal(
    replyText("Danke!\n\nAm Di., 1. Dez. 2026 um 10:02 Uhr schrieb Acme <s@example.com>:" + quoted),
    "Danke!",
  );
  assert.equal(
    replyText(
      "¡Gracias!\n\nEl mar, 1 dic 2026 a las 10:02, Acme (<s@example.com>) escribió:" +
        quoted,
    ),
    "¡Gracias!",
  );
});

Deno.test("replyText() drops a '-- ' signature and keeps the reply's own blank lines", () => {
  const text = "First paragraph.\n\n\n\nSecond paragraph.\n\n-- \nAnn Example\nACME Corp\n";
  assert.equal(replyText(text), "First paragraph.\n\nSecond paragraph.");
});

Deno.test("replyText() keeps a reply without quote or signature as it is", () => {
  assert.equal(replyText("  Is the blue one in stock?  \n"), "Is the blue one in stock?");
});

Deno.test("replyText() is empty when the email holds only quoted history", () => {
  const text = "On Tue, Dec 1, 2026 at 10:02 AM Acme <s@example.com> wrote:\n\n> Anything else?\n";
  assert.equal(replyText(text), "");
  assert.equal(replyText("\n\n  \n"), "");
});

Deno.test("replyText() keeps a long paragraph whole", () => {
  const long = "word ".repeat(300).trim();
  assert.ok(long.length > PARSED_LINE_CHARS);
  const text = `${long}\n\nOn Tue, Dec 1, 2026 at 10:02 AM Acme <s@example.com> wrote:\n\n> Hi\n`;
  assert.equal(replyText(text), long);
});

Deno.test("replyText() cuts a reply longer than a chat message, with an ellipsis", () => {
  const out = replyText("x".repeat(MAX_BODY_CHARS * 3));
  assert.equal(out.length, MAX_BODY_CHARS);
  assert.ok(out.endsWith("…"));
});

Deno.test("replyText() takes little time on text crafted for the library's slow patterns", () => {
  const crafted = [
    "2026 from ".repeat(3000), // (.*)[0-9]{4}(.*)from(.*)<(.*)>: on one long line
    "On a b ".repeat(3000), // On\s.+\s.+ on one long line
    "Dnia " + " \n".repeat(8000), // ^\s* over a run of blank lines
    "在 x\n".repeat(4000),
  ];
  for (const text of crafted) {
    const started = performance.now();
    replyText(text);
    const ms = performance.now() - started;
    // Unguarded, the first takes seconds; guarded, a few milliseconds (a busy machine: 100s).
    assert.ok(ms < 1_000, `took ${ms.toFixed(0)} ms`);
  }
});
