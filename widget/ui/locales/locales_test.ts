import assert from "node:assert/strict";
import { WIDGET_LOCALES } from "../../../protocol/site_settings.ts";
import { translator } from "../i18n.ts";
import { en, type Strings } from "./en.ts";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

async function table(locale: string): Promise<Strings> {
  const mod = await import(`./${locale}.ts`);
  return mod[locale];
}

Deno.test("every shipped locale has a table with every key, filled, and the same placeholders", async () => {
  for (const locale of WIDGET_LOCALES) {
    const strings = await table(locale);
    assert.deepEqual(Object.keys(strings).sort(), Object.keys(en).sort(), locale);
    for (const [key, value] of Object.entries(strings) as [keyof Strings, string][]) {
      assert.ok(value.trim().length > 0, `${locale}.${key} is empty`);
      assert.deepEqual(placeholders(value), placeholders(en[key]), `${locale}.${key}`);
    }
  }
});

Deno.test("translations are translated: most strings differ from English", async () => {
  for (const locale of WIDGET_LOCALES.filter((l) => l !== "en")) {
    const strings = await table(locale);
    const same = (Object.keys(en) as (keyof Strings)[]).filter((k) => strings[k] === en[k]);
    // Words shared with English ("Online", "Email", "Message") are fine; a copied table is not.
    assert.ok(same.length <= 4, `${locale} shares ${same.join(", ")} with English`);
  }
});

Deno.test("translator() fills the back-at time in Arabic and Hebrew", async () => {
  const ar = translator(await table("ar"));
  const he = translator(await table("he"));
  assert.equal(ar("backAt", { time: "الاثنين 9:00" }), "موعد عودتنا: الاثنين 9:00.");
  assert.equal(he("backAt", { time: "יום שני 9:00" }), "נחזור לפעילות: יום שני 9:00.");
});
