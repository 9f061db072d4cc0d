/**
 * The translator. Each UI bundle carries one locale's table (`locales/*.ts`): `widget/build.ts`
 * builds one bundle per locale and the loader picks the file from `data-locale` or the browser.
 *
 * @module
 */

import type { StringKey, Strings } from "./locales/en.ts";

export type { StringKey, Strings };

/** Translates `key`, replacing `{name}` placeholders from `vars`. */
export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

/** Returns a translator over `table` (the UI's, or the attachment chunk's). */
export function translator<K extends string = StringKey>(
  table: Record<K, string>,
): (key: K, vars?: Record<string, string | number>) => string {
  return (key, vars) =>
    table[key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars?.[name] ?? ""));
}
