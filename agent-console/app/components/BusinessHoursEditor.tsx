import { type Weekday, WEEKDAYS } from "../../../protocol/site_settings.ts";
import { type SiteDraft, timeZones, WEEKDAY_NAMES } from "../site_form.ts";
import { Check, Field } from "./Field.tsx";

/** `HH:MM` from 00:00 to 23:59, or 24:00 (an end at midnight), as the server accepts. */
const TIME_PATTERN = "([01][0-9]|2[0-3]):[0-5][0-9]|24:00";
/** The server's limit of ranges per day. */
const MAX_RANGES = 6;

/** Props of {@link BusinessHoursEditor}. */
export interface BusinessHoursEditorProps {
  draft: SiteDraft;
  onChange(patch: Partial<SiteDraft>): void;
}

/** Business hours: on or off, a time zone, and for each weekday any number of opening ranges. */
export function BusinessHoursEditor({ draft, onChange }: BusinessHoursEditorProps) {
  const setDay = (day: Weekday, ranges: [string, string][]) =>
    onChange({ days: { ...draft.days, [day]: ranges } });
  return (
    <fieldset class="site-fieldset">
      <legend>Business hours</legend>
      <Check
        label="Set business hours"
        checked={draft.hoursOn}
        onChange={(hoursOn) => onChange({ hoursOn })}
      />
      {draft.hoursOn && (
        <>
          <Field label="Time zone">
            <select
              value={draft.timezone}
              onChange={(e) => onChange({ timezone: e.currentTarget.value })}
            >
              {timeZones(draft.timezone).map((z) => <option key={z} value={z}>{z}</option>)}
            </select>
          </Field>
          <p class="muted">Days without a range are closed. 24:00 ends a range at midnight.</p>
          <ul class="hours">
            {WEEKDAYS.map((day) => {
              const name = WEEKDAY_NAMES[day];
              const ranges = draft.days[day];
              return (
                <li key={day} class="hours-day">
                  <span class="hours-name">{name}</span>
                  <div class="hours-ranges">
                    {ranges.length === 0 && <span class="muted">Closed</span>}
                    {ranges.map(([from, to], i) => {
                      const n = `${name} range ${i + 1}`;
                      const put = (next: [string, string]) =>
                        setDay(day, ranges.map((r, j) => (j === i ? next : r)));
                      return (
                        <span key={i} class="hours-range">
                          <TimeInput
                            label={`${n} from`}
                            value={from}
                            onInput={(v) => put([v, to])}
                          />
                          <span aria-hidden="true">–</span>
                          <TimeInput
                            label={`${n} to`}
                            value={to}
                            onInput={(v) => put([from, v])}
                          />
                          <button
                            type="button"
                            class="icon-button"
                            aria-label={`Remove ${n}`}
                            onClick={() => setDay(day, ranges.filter((_, j) => j !== i))}
                          >
                            ×
                          </button>
                        </span>
                      );
                    })}
                  </div>
                  {ranges.length < MAX_RANGES && (
                    <button
                      type="button"
                      class="button ghost"
                      aria-label={`Add a range on ${name}`}
                      onClick={() => {
                        // A first range starts as office hours; a later one (after a lunch
                        // break, an evening shift) has no obvious default.
                        setDay(day, [...ranges, ranges.length ? ["", ""] : ["09:00", "17:00"]]);
                      }}
                    >
                      Add range
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          <button
            type="button"
            class="button ghost wraps"
            disabled={draft.days.mon.length === 0}
            onClick={() => {
              const mon = draft.days.mon;
              const copy = () => mon.map(([a, b]) => [a, b] as [string, string]);
              onChange({
                days: { ...draft.days, tue: copy(), wed: copy(), thu: copy(), fri: copy() },
              });
            }}
          >
            Use Monday's hours from Tuesday to Friday
          </button>
        </>
      )}
    </fieldset>
  );
}

/** One `HH:MM` field of a range. */
function TimeInput(
  props: { label: string; value: string; onInput: (value: string) => void },
) {
  return (
    <input
      aria-label={props.label}
      value={props.value}
      placeholder="hh:mm"
      inputMode="numeric"
      pattern={TIME_PATTERN}
      required
      size={5}
      onInput={(e) => props.onInput(e.currentTarget.value)}
    />
  );
}
