import type { ComponentChildren } from "preact";

/** Reads a submitted form's values (and keeps the browser from navigating). */
export function formValues(e: Event): FormData {
  e.preventDefault();
  return new FormData(e.currentTarget as HTMLFormElement);
}

/** A trimmed text value of a form. */
export const text = (f: FormData, key: string) => String(f.get(key) ?? "").trim();

/** A submit handler that hands the form's values to `submit` and clears the form if it succeeds. */
export function submitThenReset(submit: (f: FormData) => Promise<boolean>) {
  return async (e: Event) => {
    const form = e.currentTarget as HTMLFormElement;
    if (await submit(formValues(e))) form.reset();
  };
}

/**
 * A labelled control: the label text above the input, select or textarea it wraps. A hint goes
 * below, outside the label, so the control's accessible name stays exactly `label`.
 */
export function Field(
  { label, children, hint }: { label: string; children: ComponentChildren; hint?: string },
) {
  const control = (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
  if (!hint) return control;
  return (
    <div class="field">
      {control}
      <small class="muted">{hint}</small>
    </div>
  );
}

/** A labelled checkbox. */
export function Check(
  { label, checked, onChange, name }: {
    label: string;
    checked?: boolean;
    onChange?(checked: boolean): void;
    name?: string;
  },
) {
  return (
    <label class="check">
      <input
        type="checkbox"
        name={name}
        checked={checked}
        onChange={onChange && ((e) => onChange(e.currentTarget.checked))}
      />{" "}
      {label}
    </label>
  );
}
