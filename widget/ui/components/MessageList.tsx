/**
 * The message log (`role="log"`, polite): author groups with timestamps and delivery states ("Seen"
 * on the visitor's latest message once an agent read it), the greeting, the offline email prompt,
 * the rating card where the conversation was resolved and the agent typing indicator.
 *
 * @module
 */

import { Fragment, type JSX } from "preact";
import { formatTime, groupItems, type MessageGroup } from "../groups.ts";
import { Linkified } from "../linkify.tsx";
import type { ChatItem } from "../items.ts";
import { headerName } from "../texts.ts";
import { AwayCard, TranscriptCard } from "./Cards.tsx";
import { CheckIcon, ClockIcon } from "./icons.tsx";
import type { ViewProps } from "./props.ts";

function DeliveryState({ item, model, t }: ViewProps & { item: ChatItem }): JSX.Element {
  if (item.delivery === "failed") {
    return (
      <span class="fl">
        {t("failed")}
        <button type="button" class="lk" onClick={() => model.retry(item.key)}>
          {t("retry")}
        </button>
      </span>
    );
  }
  const sent = item.delivery === "sent";
  // "Seen" goes on the visitor's latest message once an agent has read that far, written out
  // beside the check mark; the other states are an icon alone.
  const seen = sent && item.seq! <= (model.conversation.value?.agentReadSeq ?? 0) &&
    model.items.value.findLast((i) => i.authorKind === "visitor") === item;
  const text = seen ? t("seen") : sent ? t("sent") : t("sending");
  return (
    <span class="ds" title={text}>
      {sent ? <CheckIcon /> : <ClockIcon />}
      <span class={seen ? "t" : "sr"}>{text}</span>
    </span>
  );
}

function Group(props: ViewProps & { group: MessageGroup }): JSX.Element {
  const { group, t, locale } = props;
  const kind = group.authorKind;
  const last = group.items[group.items.length - 1];
  const who = kind === "visitor" ? t("you") : group.authorName || t("agent");
  return (
    <div class={kind === "visitor" ? "g v" : kind === "system" ? "g s" : "g"}>
      {kind === "system" ? null : <div class={kind === "visitor" ? "sr" : "who"}>{who}</div>}
      {group.items.map((item) => (
        <div class="m" key={item.key}>
          <div class="bb" dir="auto">
            <Linkified text={item.body} />
            {/* Files: the chunk draws them; until it has loaded, their names as text. */}
            {item.attachments &&
              (props.att
                ? <props.att.Files item={item} />
                : (props.load(), item.attachments.map((a) => a.name).join(", ")))}
          </div>
          {kind === "visitor" ? <DeliveryState {...props} item={item} /> : null}
        </div>
      ))}
      <time class="t" dateTime={last.createdAt}>{formatTime(last.createdAt, locale)}</time>
    </div>
  );
}

/**
 * The scrolling log. It sticks to the bottom unless the visitor scrolled up to read: the mount
 * (`ui/mod.tsx`) measures before each render and scrolls after it, so no hook is needed.
 */
export function MessageList(props: ViewProps): JSX.Element {
  const { model, t, settings } = props;
  const items = model.items.value;
  const typing = model.agentTyping.value;
  const name = headerName(props);
  const c = model.conversation.value;

  return (
    <>
      <div
        class="l"
        role="log"
        aria-live="polite"
        aria-label={t("title", { team: name })}
        tabIndex={0}
      >
        {/* The greeting opens every thread and stays its first item. */}
        <div class="g">
          <div class="who">{name}</div>
          <div class="bb" dir="auto">{settings.greeting || t("intro")}</div>
        </div>
        {groupItems(items).map((group) => (
          <Fragment key={group.key}>
            <Group {...props} group={group} />
            {
              /* The rating stays where the conversation was resolved, whatever came after. It is
                the rating chunk's: nothing until that has loaded. */
            }
            {group.items.some((i) => i.seq === (c?.resolvedSeq ?? 0))
              ? props.Rating ? <props.Rating {...props} /> : props.loadRating()
              : null}
          </Fragment>
        ))}
        <AwayCard {...props} />
        <TranscriptCard {...props} />
      </div>
      <div class="ty" aria-hidden={typing ? undefined : "true"}>
        {typing
          ? (
            <>
              <span class="dots" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
              {t("typing", { name: typing || t("agent") })}
            </>
          )
          : null}
      </div>
    </>
  );
}
