/**
 * The UI bundle's Preact `h` and signals, lent to the attachment chunk when it mounts
 * ({@link AttachLib}). The chunk's JSX compiles to `L.h(…)` (`widget/build.ts`) and its state
 * uses `L.signal`, so the panel's one render effect tracks the chunk's signals too.
 *
 * @module
 */

import type { AttachLib } from "./api.ts";

/** Filled by the chunk's mount before anything renders. */
export const L = {} as AttachLib;
