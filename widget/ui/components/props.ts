/**
 * Props every panel component receives.
 *
 * @module
 */

import type { Translate } from "../i18n.ts";
import type { ChatModel } from "../model.ts";

/** The model to read and act on, the translator and the locale for dates. */
export interface ViewProps {
  model: ChatModel;
  t: Translate;
  locale: string;
}
