/**
 * The few inline SVG icons the panel uses (decorative: always `aria-hidden`).
 *
 * @module
 */

import type { JSX } from "preact";

function icon(d: string): () => JSX.Element {
  return () => (
    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={d} />
    </svg>
  );
}

/** A paper plane. */
export const SendIcon = icon("M3 20.5 21.5 12 3 3.5v6.6L15 12 3 13.9z");
/** A paper clip (attach a file). */
export const ClipIcon = icon(
  "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z",
);
/** A downward chevron (minimize). */
export const MinimizeIcon = icon("M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z");
/** A check mark (sent). */
export const CheckIcon = icon("M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z");
/** A clock (sending). */
export const ClockIcon = icon(
  "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm.5-13H11v6l5.2 3.2.8-1.3-4.5-2.7z",
);
