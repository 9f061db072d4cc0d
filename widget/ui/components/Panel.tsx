/**
 * The chat panel: a non-modal dialog with the header, a connection banner, the message log and
 * the composer.
 *
 * @module
 */

import type { JSX, RefObject } from "preact";
import { attach, Composer } from "./Composer.tsx";
import { MinimizeIcon } from "./icons.tsx";
import { MessageList } from "./MessageList.tsx";
import type { ViewProps } from "./props.ts";
import { currentHours } from "../hours.ts";
import { headerName, replyTime } from "../texts.ts";

/** Props of {@link Panel}. */
export interface PanelProps extends ViewProps {
  /** The locale's writing direction: the panel mirrors for right-to-left locales. */
  dir: "ltr" | "rtl";
  /** The visitor pressed the minimize button. */
  onClose(): void;
  /** The dialog and the composer's textbox, which get focus when the panel opens. */
  panelRef: RefObject<HTMLDivElement>;
  inputRef: RefObject<HTMLTextAreaElement>;
}

function Header(props: PanelProps): JSX.Element {
  const { model, t, onClose } = props;
  // Outside business hours the team is away even if an agent happens to be signed in.
  // The header names the assignee once there is one: their own presence then, not the team's.
  const assignee = model.conversation.value?.assignee;
  const online = assignee?.online ?? ((model.agentsOnline.value ?? 0) > 0 &&
    currentHours(model.hours.value, props.settings).open);
  // The visitor's own connection first: presence from the last welcome is stale while the socket
  // is down. Refused site: no team to name and no status to give; the banner says why.
  const refused = model.unavailable.value;
  const connected = model.network.value && model.status.value === "connected";
  // Each key is written at its call: the build turns each such call into a table index.
  const status = !model.network.value
    ? t("offlineStatus")
    : !connected
    ? t("connecting")
    : online
    ? t("online")
    : t("away");
  return (
    <div class="h">
      <div>
        <h2 id="parley-title">{refused ? t("chat") : headerName(props)}</h2>
        {refused ? null : (
          <p>
            <span class={connected && online ? "dot on" : "dot"} aria-hidden="true" />
            {status} · {replyTime(props)}
          </p>
        )}
      </div>
      <button type="button" class="ib" aria-label={t("minimize")} onClick={onClose}>
        <MinimizeIcon />
      </button>
    </div>
  );
}

function Banner({ model, t }: ViewProps): JSX.Element | null {
  let text = "";
  if (model.unavailable.value) text = t("unavailable");
  else if (!model.network.value) text = t("offline");
  return text ? <p class="bn" role="status">{text}</p> : null;
}

/** The whole panel; hidden (but kept, with its state) while the chat is closed. */
export function Panel(props: PanelProps): JSX.Element {
  const drop = (
    e: Event & { dataTransfer?: DataTransfer | null; clipboardData?: DataTransfer | null },
  ) => {
    const files = (e.dataTransfer || e.clipboardData)?.files;
    if (files?.length) {
      e.preventDefault();
      attach(props, files);
    }
  };
  return (
    <div
      // A refused site's panel is only the header and the reason: as tall as that (`un`).
      class={props.model.unavailable.value ? "p un" : "p"}
      id="parley-panel"
      role="dialog"
      aria-labelledby="parley-title"
      dir={props.dir}
      lang={props.locale}
      tabIndex={-1}
      hidden={!props.model.open.value}
      ref={props.panelRef}
      // Files dropped on the panel or pasted (a screenshot) are attached; text drops and pastes
      // keep their default. Allowing the drop (dragover) is what lets `drop` fire at all.
      onDragOver={(e) => e.preventDefault()}
      onDrop={drop}
      onPaste={drop}
    >
      <Header {...props} />
      <Banner {...props} />
      {props.model.unavailable.value ? null : (
        <>
          <MessageList {...props} />
          <Composer {...props} />
        </>
      )}
    </div>
  );
}
