/**
 * Build-time only: `widget/build.ts` injects this module into each UI bundle so esbuild compiles
 * JSX to Preact's classic `h(type, props, ...children)` calls. They are smaller than the automatic
 * runtime's `jsx(type, { ...props, children })` calls and need no `preact/jsx-runtime` module: the
 * same virtual nodes for ~150 B less gzip. Deno (type checks, unit tests) keeps the automatic
 * runtime of `deno.json`; no source file imports this module.
 *
 * @module
 */

export { Fragment, h } from "preact";
