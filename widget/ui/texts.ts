/**
 * Texts with several sources, resolved in one place: what the server says now (the `welcome`),
 * then the site's settings fetched by the loader, then the locale table. The server sends ""
 * for a text the site leaves unset, so every empty string falls through to the next source.
 *
 * @module
 */

import type { ViewProps } from "./components/props.ts";

/** The header's name: the assigned agent, else the site's team name, else the table's. */
export function headerName({ model, settings, t }: ViewProps): string {
  return model.conversation.value?.assignee?.name || model.team.value?.name ||
    settings.teamName || t("team");
}

/** The reply-time hint: the site's, else the table's. */
export function replyTime({ model, settings, t }: ViewProps): string {
  return model.team.value?.replyTime || settings.replyTime || t("replyTime");
}
