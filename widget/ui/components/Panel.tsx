/**
 * The chat panel: a non-modal dialog with the header, a connection banner, the message log and
 * the composer.
 *
 * @module
 */

import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { Composer } from "./Composer.tsx";
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
}

function Header(props: PanelProps): JSX.Element {
  const { model, t, onClose } = props;
  // Outside business hours the team is away even if an agent happens to be signed in.
  const online = (model.agentsOnline.value ?? 0) > 0 &&
    currentHours(model.hours.value, props.settings).open;
  return (
    <div class="h">
      <div>
        <h2 id="parley-title">{headerName(props)}</h2>
        <p>
          <span class={online ? "dot on" : "dot"} aria-hidden="true" />
          {online ? t("online") : t("away")} · {replyTime(props)}
        </p>
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
  else if (model.status.value !== "connected") text = t("connecting");
  return text ? <p class="bn" role="status">{text}</p> : null;
}

/** The whole panel; hidden (but kept, with its state) while the chat is closed. */
export function Panel(props: PanelProps): JSX.Element {
  const open = props.model.open.value;
  const panel = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!open) return;
    // Phones: focus the dialog, not the textbox, so the keyboard does not cover the history.
    if (matchMedia("(max-width: 639px)").matches) panel.current?.focus();
    else input.current?.focus();
  }, [open]);

  useEffect(() => {
    // Keep the panel above the on-screen keyboard: follow the visual viewport's height.
    const vv = globalThis.visualViewport;
    const el = panel.current;
    if (!vv || !el) return;
    const fit = () => el.style.setProperty("--vvh", `${vv.height}px`);
    fit();
    vv.addEventListener("resize", fit);
    return () => vv.removeEventListener("resize", fit);
  }, []);

  return (
    <div
      class="p"
      id="parley-panel"
      role="dialog"
      aria-labelledby="parley-title"
      dir={props.dir}
      lang={props.locale}
      tabIndex={-1}
      hidden={!open}
      ref={panel}
    >
      <Header {...props} />
      <Banner {...props} />
      <MessageList {...props} />
      <Composer {...props} inputRef={input} />
    </div>
  );
}
