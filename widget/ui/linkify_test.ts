import assert from "node:assert/strict";
import { splitLinks } from "./linkify.tsx";

Deno.test("splitLinks() turns http(s) and www URLs into links and keeps the rest as text", () => {
  assert.deepEqual(splitLinks("see https://example.com/a?b=1 and www.shop.test now"), [
    "see ",
    { text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
    " and ",
    { text: "www.shop.test", href: "https://www.shop.test" },
    " now",
  ]);
});

Deno.test("splitLinks() leaves trailing punctuation outside the link", () => {
  assert.deepEqual(splitLinks("Go to https://example.com/shipping."), [
    "Go to ",
    { text: "https://example.com/shipping", href: "https://example.com/shipping" },
    ".",
  ]);
  assert.deepEqual(splitLinks("(https://en.wikipedia.org/wiki/Foo_(bar))"), [
    "(",
    {
      text: "https://en.wikipedia.org/wiki/Foo_(bar)",
      href: "https://en.wikipedia.org/wiki/Foo_(bar)",
    },
    ")",
  ]);
});

Deno.test("splitLinks() never links javascript: or data: URLs and keeps markup as text", () => {
  const text = `javascript:alert(1) data:text/html,<b>x</b> <img src=x onerror=alert(1)>`;
  assert.deepEqual(splitLinks(text), [text]);
});

Deno.test("splitLinks() returns plain text untouched", () => {
  assert.deepEqual(splitLinks("no links here"), ["no links here"]);
  assert.deepEqual(splitLinks(""), []);
});
