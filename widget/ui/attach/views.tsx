/**
 * What the chunk draws: the tray above the composer (each file with its preview, name,
 * progress while uploading, why it was refused, and a button to cancel or remove it), a
 * message's files (a thumbnail that opens full size for images, a named card with size and type
 * that downloads for the rest) and the full-size viewer over the panel. Everything a visitor
 * sees of a file (its name above all) is rendered as text.
 *
 * @module
 */

import type { Attachment } from "../../../protocol/frames.ts";
import type { AttachStrings } from "../locales/en.ts";
import type { ChatItem } from "../items.ts";
import type { AttachContext, AttachUi } from "./api.ts";
import type { createBlobs } from "./blobs.ts";
import { L } from "./lib.ts";
import { formatSize } from "./limits.ts";
import type { Tray } from "./tray.ts";

/** Images the browser shows inline (the server serves these `inline`). */
const IMAGE = /^image\/(png|jpeg|gif|webp)$/;

/** The short type shown on a card and a file's tile: its extension, else the MIME subtype. */
function typeLabel(name: string, type: string): string {
  const ext = /\.(\w{1,5})$/.exec(name)?.[1] ?? type.split("/")[1] ?? "";
  return ext.toUpperCase();
}

/** The chunk's views over the tray and the blob cache. */
export function createViews(
  ctx: AttachContext,
  tray: Tray,
  blobs: ReturnType<typeof createBlobs>,
  s: (key: keyof AttachStrings, vars?: Record<string, string | number>) => string,
  locale: string,
): Pick<AttachUi, "Tray" | "Files"> {
  const viewing = L.signal<Attachment | null>(null);
  let opener: HTMLElement | null = null;
  const focus = (el: HTMLElement | null) => el?.focus();
  const close = () => {
    viewing.value = null;
    opener?.focus();
  };
  const max = () => formatSize(ctx.settings.uploads?.maxBytes ?? 0, locale);

  function Viewer({ a }: { a: Attachment }) {
    return (
      <div
        class="lb"
        role="dialog"
        aria-label={a.name}
        onKeyDown={(e) => {
          // Escape closes the viewer, not the whole panel.
          if (e.key === "Escape") {
            e.stopPropagation();
            close();
          }
        }}
      >
        <div class="lh">
          <span dir="auto">{a.name}</span>
          <button type="button" class="lk" onClick={() => blobs.download(a)}>
            {s("download", { name: a.name })}
          </button>
          <button type="button" class="tc" aria-label={s("close")} ref={focus} onClick={close}>
            ×
          </button>
        </div>
        <img ref={blobs.imgRef(`v/${a.id}`, a.id)} alt={a.name} />
      </div>
    );
  }

  function TrayView() {
    const list = tray.files.value;
    const a = viewing.value;
    if (!list.length && !a) return null;
    return (
      <div class="tr">
        {list.map((f) => {
          const name = f.file.name;
          return (
            <div class="tf" key={f.key}>
              {f.preview
                ? <img src={f.preview} alt="" />
                : <span class="tx" aria-hidden="true">{typeLabel(name, f.file.type)}</span>}
              <span class="tn" dir="auto">{name}</span>
              {f.state === "up"
                ? <progress max={1} value={f.progress} aria-label={s("uploading", { name })} />
                : f.state === "wait"
                ? <span class="tw">{s("waiting")}</span>
                : f.state === "err"
                ? (
                  <span class="te" role="alert">
                    {s(f.reason ?? "failed", { name, max: max() })}
                    {f.reason === "failed"
                      ? (
                        <button
                          type="button"
                          class="lk"
                          onClick={() => tray.retry(f.key)}
                        >
                          {s("retry")}
                        </button>
                      )
                      : null}
                  </span>
                )
                : null}
              <button
                type="button"
                class="tc"
                aria-label={s("remove", { name })}
                onClick={() => tray.remove(f.key)}
              >
                ×
              </button>
            </div>
          );
        })}
        {tray.caption.value === null || !list.length ? null : <p class="tq">{s("queued")}</p>}
        {a ? <Viewer a={a} /> : null}
      </div>
    );
  }

  function Files({ item }: { item: ChatItem }) {
    return (
      <div class="fs">
        {(item.attachments ?? []).map((a) =>
          IMAGE.test(a.type)
            ? (
              <button
                type="button"
                class="th"
                key={a.id}
                aria-label={s("open", { name: a.name })}
                onClick={(e) => {
                  opener = e.currentTarget;
                  viewing.value = a;
                }}
              >
                <img
                  ref={blobs.imgRef(`${item.key}/${a.id}`, a.id)}
                  alt=""
                  width={a.width}
                  height={a.height}
                />
              </button>
            )
            : (
              <button
                type="button"
                class="fc"
                key={a.id}
                aria-label={s("download", { name: a.name })}
                onClick={() => blobs.download(a)}
              >
                <span class="tx" aria-hidden="true">{typeLabel(a.name, a.type)}</span>
                <span>
                  <b dir="auto">{a.name}</b>
                  {formatSize(a.size, locale)} · {typeLabel(a.name, a.type)}
                </span>
              </button>
            )
        )}
      </div>
    );
  }

  return { Tray: TrayView, Files };
}
