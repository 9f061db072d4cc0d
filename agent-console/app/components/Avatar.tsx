import { hueClass, initials } from "../format.ts";

/** Props of {@link Avatar}. */
export interface AvatarProps {
  id: string;
  name: string;
  /**
   * The agent's avatar: a short text such as initials or an emoji, or an image URL (only
   * `data:image/` and same-origin paths are shown: the CSP allows no more).
   */
  src?: string | null;
  size?: "sm" | "md" | "lg";
  /** Presence dot. */
  status?: "online" | "away" | "offline" | null;
}

/** A round avatar: an allowed image, the avatar text, or coloured initials. Decorative. */
export function Avatar({ id, name, src, size = "md", status = null }: AvatarProps) {
  const text = src?.trim() ?? "";
  const image = text.startsWith("data:image/") || /^\/(?!\/)/.test(text);
  return (
    <span class={`avatar avatar-${size} ${hueClass(id)}`} aria-hidden="true">
      {image
        ? <img src={text} alt="" />
        : text !== ""
        ? [...text].slice(0, 3).join("")
        : initials(name)}
      {status !== null && <span class={`presence-dot ${status}`} />}
    </span>
  );
}
