import type { Label } from "../../../protocol/frames.ts";

/**
 * A conversation's labels as chips: the name is always written (the colour is never the only
 * cue) on a tint of the label's colour, with a solid dot of the colour itself; the text takes
 * the theme's colour, so it stays readable in light and dark modes whatever colour was chosen.
 */
export function LabelChips(
  { ids, labels }: { ids: readonly string[] | undefined; labels: ReadonlyMap<string, Label> },
) {
  // A label deleted meanwhile is dropped: its id alone says nothing.
  const shown = (ids ?? []).map((id) => labels.get(id)).filter((l): l is Label => !!l);
  if (shown.length === 0) return null;
  return (
    <span class="label-chips">
      <span class="sr-only">Labels:</span>
      {shown.map((l) => (
        <span key={l.id} class="label-chip" style={{ "--label": l.color }}>
          <span class="label-dot" aria-hidden="true" />
          {l.name}
        </span>
      ))}
    </span>
  );
}
