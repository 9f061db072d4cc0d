/**
 * The UI bundle's Preact `h`, lent to the rating chunk when it mounts: the chunk's JSX compiles to
 * `L.h(…)` (`widget/build.ts` injects this module), so its nodes are the UI's.
 *
 * @module
 */

import type { h } from "preact";

/** Filled by the chunk's mount before anything renders. */
export const L = {} as { h: typeof h };
