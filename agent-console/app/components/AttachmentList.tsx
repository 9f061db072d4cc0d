import type { Attachment } from "../../../protocol/frames.ts";
import { attachmentUrl, fileKind, fileSize } from "../format.ts";

/** Longest side of a thumbnail, in CSS pixels (the image is scaled, never cropped). */
const THUMB_PX = 200;

/**
 * The files of a message: an image as a thumbnail that opens full size (`onView`; a click with
 * a modifier key keeps the browser's own behaviour, a new tab), any other file as a card with
 * its name, size and type that downloads it. Names are rendered as text; the agent's session
 * cookie is enough to read `GET /api/attachments/:id`.
 */
export function AttachmentList(
  { files, onView }: { files: readonly Attachment[]; onView(a: Attachment): void },
) {
  return (
    <ul class="attachments">
      {files.map((a) => {
        const url = attachmentUrl(a.id);
        const meta = `${fileSize(a.size)} · ${fileKind(a.type)}`;
        if (a.width !== undefined && a.height !== undefined && a.width > 0 && a.height > 0) {
          const scale = Math.min(1, THUMB_PX / Math.max(a.width, a.height));
          return (
            <li key={a.id}>
              <a
                class="att-thumb"
                href={url}
                target="_blank"
                rel="noopener"
                title={`${a.name}, ${meta}`}
                onClick={(e) => {
                  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  onView(a);
                }}
              >
                <img
                  src={url}
                  alt={a.name}
                  width={Math.round(a.width * scale)}
                  height={Math.round(a.height * scale)}
                  loading="lazy"
                />
              </a>
            </li>
          );
        }
        return (
          <li key={a.id}>
            <a class="att-file" href={url} download={a.name}>
              <span class="att-icon" aria-hidden="true">▤</span>
              <span class="att-name" dir="auto">{a.name}</span>
              <span class="att-meta">{meta}</span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}
