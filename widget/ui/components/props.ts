/**
 * Props every panel component receives.
 *
 * @module
 */

import type { UiSettings } from "../../api.ts";
import type { Translate } from "../i18n.ts";
import type { ChatModel } from "../model.ts";
import type { AttachUi } from "../attach/api.ts";
import type { RatingCard } from "../rating/api.ts";

/** The model to read and act on, the translator, the locale for dates and the site's settings. */
export interface ViewProps {
  model: ChatModel;
  t: Translate;
  locale: string;
  settings: UiSettings;
  /** The attachment chunk once loaded (docs/widget.md "Attachments"), else null. */
  att: AttachUi | null;
  /** Loads the attachment chunk (once; again after a failed load, which gives undefined). */
  load(): Promise<AttachUi | undefined>;
  /**
   * Sends the composer's text: the caption of the attached files (waiting for the attachment
   * chunk when files were attached before it arrived), else a message; false when nothing went.
   */
  send(text: string): boolean;
  /** The rating card of the rating chunk once loaded, else null. */
  Rating: RatingCard | null;
  /** Loads the rating chunk (once; again after a failed load). Renders nothing. */
  loadRating(): undefined;
}
