import assert from "node:assert/strict";
import { type KeyInput, matchShortcut } from "./shortcuts.ts";

const key = (k: string, patch: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  inField: false,
  dialogOpen: false,
  ...patch,
});

Deno.test("matchShortcut() maps j, k, r, e, ? and Escape", () => {
  assert.equal(matchShortcut(key("j")), "next");
  assert.equal(matchShortcut(key("k")), "prev");
  assert.equal(matchShortcut(key("r")), "reply");
  assert.equal(matchShortcut(key("e")), "resolve");
  assert.equal(matchShortcut(key("?")), "help");
  assert.equal(matchShortcut(key("Escape")), "leave");
  assert.equal(matchShortcut(key("3")), "view3");
  assert.equal(matchShortcut(key("q")), null);
});

Deno.test("matchShortcut() ignores letters typed in a field but not Escape", () => {
  assert.equal(matchShortcut(key("j", { inField: true })), null);
  assert.equal(matchShortcut(key("e", { inField: true })), null);
  assert.equal(matchShortcut(key("Escape", { inField: true })), "leave");
});

Deno.test("matchShortcut() ignores modified keys and keys behind a dialog", () => {
  assert.equal(matchShortcut(key("r", { ctrlKey: true })), null);
  assert.equal(matchShortcut(key("k", { metaKey: true })), null);
  assert.equal(matchShortcut(key("j", { dialogOpen: true })), null);
  assert.equal(matchShortcut(key("Escape", { dialogOpen: true })), null);
});
