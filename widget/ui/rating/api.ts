/**
 * The contract between the chat UI bundle and its lazily loaded rating chunk
 * (`assets/widget-rating-<hash>.js`): the card shown where a conversation was resolved (five
 * one-click stars, then thanks, and "Start a new conversation"). Types only. The chunk has no
 * strings of its own (it translates with the UI's `t`, by the same table indexes, see
 * `widget/build.ts`), so one chunk serves every locale; it renders with the UI's Preact `h`.
 *
 * @module
 */

import type { h, JSX } from "preact";
import type { ViewProps } from "../components/props.ts";

/** The rating card, a component of the panel. */
export type RatingCard = (props: ViewProps) => JSX.Element;

/**
 * The chunk's entry point, the `detail` of the event its `<script>` element receives: called with
 * the UI's `h` and the widget's shadow root, where it adopts its stylesheet (which stays until
 * the UI's shutdown removes every sheet but the loader's).
 */
export type MountRating = (lib: typeof h, root: ShadowRoot) => RatingCard;
