import type { ComponentChildren } from "preact";
import type { ConversationSummary, VisitorInfo } from "../../../protocol/frames.ts";
import { agoText, describeUserAgent, isWebUrl, localTime, visitorLabel } from "../format.ts";
import type { ConsoleModel } from "../model.ts";
import { formatHash } from "../router.ts";
import { Avatar } from "./Avatar.tsx";
import { VisitorActions } from "./VisitorActions.tsx";

const STATUS = { queued: "Queued", open: "Open", resolved: "Resolved" } as const;

/** The contact panel: who the visitor is, where they are, and their past conversations. */
export function SidePanel(
  { model, open, onClose, siteLabel }: {
    model: ConsoleModel;
    open: boolean;
    onClose(): void;
    /** A site's name when the agent sees several sites, else null. */
    siteLabel(siteId: string): string | null;
  },
) {
  const c = model.selected.value;
  const cls = `side${open ? " side-open" : ""}`;
  if (!c) {
    return (
      <aside class={cls} aria-label="Visitor details">
        <p class="muted pad">Visitor details appear here.</p>
      </aside>
    );
  }
  const v = model.visitors.value.get(c.visitorId) ?? null;
  const past = model.visitorHistory.value.get(c.visitorId) ?? null;
  const name = visitorLabel(v?.name ?? c.visitorName, c.visitorId);
  const now = model.clock.value;
  const site = siteLabel(c.siteId);
  return (
    <aside class={cls} aria-label="Visitor details">
      <button type="button" class="button ghost side-close" onClick={onClose}>
        Close details
      </button>
      <div class="side-card">
        <Avatar
          id={c.visitorId}
          name={name}
          size="lg"
          status={v ? (v.online ? "online" : "offline") : null}
        />
        <h3>{name}</h3>
        <p class="muted">
          {v ? (v.online ? "Online now" : `Last seen ${agoText(v.lastSeenAt, now)}`) : "…"}
        </p>
      </div>
      {site !== null && (
        <dl class="facts">
          <Fact label="Site">{site}</Fact>
        </dl>
      )}
      {v ? <VisitorFacts v={v} now={now} /> : <p class="muted pad">Loading visitor…</p>}
      <PastConversations model={model} current={c} past={past} />
      <VisitorActions model={model} visitorId={c.visitorId} name={name} />
    </aside>
  );
}

function Fact(
  { label, children, raw = false }: {
    label: string;
    children: ComponentChildren;
    /** A site's own key (an attribute): shown as given, not styled as a heading. */
    raw?: boolean;
  },
) {
  return (
    <div class={raw ? "fact fact-key" : "fact"}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function PageLink({ url, title }: { url: string; title: string }) {
  const text = title || url;
  return isWebUrl(url)
    ? (
      <a href={url} target="_blank" rel="noopener noreferrer" title={url}>
        {text}
      </a>
    )
    : <span title={url}>{text}</span>;
}

/**
 * Whether the site's identity signature covered this one field. Each field has its own badge:
 * a signed user id says nothing about an email or a name the visitor's browser sent with it.
 */
function VerifiedBadge({ ok }: { ok: boolean }) {
  return (
    <span class={`badge ${ok ? "badge-verified" : "badge-unverified"}`}>
      {ok ? "Verified" : "Unverified"}
    </span>
  );
}

function VisitorFacts({ v, now }: { v: VisitorInfo; now: number }) {
  const time = localTime(v.timezone, now);
  const attrs = Object.entries(v.attributes);
  return (
    <>
      <dl class="facts">
        <Fact label="Email">
          {v.email ?? <span class="muted">Not given</span>}{" "}
          {v.email !== null && <VerifiedBadge ok={v.emailVerified} />}
        </Fact>
        {v.externalId && (
          <>
            <Fact label="User id">
              {v.externalId} <VerifiedBadge ok={v.verified} />
            </Fact>
            <Fact label="Name">
              {v.name} <VerifiedBadge ok={v.nameVerified} />
            </Fact>
          </>
        )}
        <Fact label="Current page">
          {v.page
            ? <PageLink url={v.page.url} title={v.page.title} />
            : <span class="muted">Unknown</span>}
          {v.page && <div class="url">{v.page.url}</div>}
        </Fact>
        <Fact label="Referrer">{v.referrer || <span class="muted">Direct</span>}</Fact>
        <Fact label="Browser">{describeUserAgent(v.userAgent)}</Fact>
        <Fact label="Local time">{time ?? <span class="muted">Unknown</span>}</Fact>
        {v.locale && <Fact label="Language">{v.locale}</Fact>}
        {attrs.map(([k, val]) => <Fact key={k} label={k} raw>{String(val)}</Fact>)}
      </dl>
      {v.pagesVisited.length > 0 && (
        <section class="side-section">
          <h4>Pages visited ({v.pagesVisited.length})</h4>
          <ol class="pages">
            {[...v.pagesVisited].reverse().map((p, i) => (
              <li key={i}>
                <PageLink url={p.url} title={p.title} />
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}

function PastConversations(
  { model, current, past }: {
    model: ConsoleModel;
    current: ConversationSummary;
    past: readonly ConversationSummary[] | null;
  },
) {
  if (past === null) return null;
  const others = past.filter((p) => p.id !== current.id);
  const now = model.clock.value;
  return (
    <section class="side-section">
      <h4>Conversations ({past.length})</h4>
      {others.length === 0
        ? <p class="muted">This is the first conversation.</p>
        : (
          <ul class="past">
            {others.map((p) => (
              <li key={p.id}>
                <a
                  href={formatHash({
                    view: p.status === "resolved" ? "resolved" : "open",
                    conversationId: p.id,
                  })}
                  onClick={(e) => {
                    e.preventDefault();
                    model.select(p.id);
                  }}
                >
                  <span class="badge">{STATUS[p.status]}</span> {agoText(p.updatedAt, now)}
                  <span class="past-preview">{p.lastMessage?.body ?? ""}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
