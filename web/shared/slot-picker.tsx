// A day, then a slot of that day, with its remaining places; shown in the visitor's time zone.
import { useMemo, useState } from 'preact/hooks';
import { formatDay, formatTime, localDayKey, visitorTimeZone, type Lang } from './i18n';
import type { Slot } from './api';

const TEXT = {
  fr: {
    day: 'Jour',
    slot: 'Créneau',
    left: (n: number) => (n === 1 ? '1 place' : `${n} places`),
    full: 'complet',
    none: 'Aucun créneau disponible.',
    zone: (z: string) => `Heures de votre fuseau (${z})`,
  },
  en: {
    day: 'Day',
    slot: 'Time slot',
    left: (n: number) => (n === 1 ? '1 place left' : `${n} places left`),
    full: 'full',
    none: 'No time slot available.',
    zone: (z: string) => `Times in your time zone (${z})`,
  },
};

export function SlotPicker(props: {
  lang: Lang;
  slots: Slot[];
  value: string | null;
  onChange: (slotStart: string) => void;
  idPrefix: string;
}) {
  const t = TEXT[props.lang];
  const days = useMemo(() => {
    const byDay = new Map<string, Slot[]>();
    for (const slot of props.slots) {
      const key = localDayKey(slot.start);
      byDay.set(key, [...(byDay.get(key) ?? []), slot]);
    }
    return [...byDay.entries()].filter(([, slots]) => slots.some((s) => s.remaining > 0));
  }, [props.slots]);
  const [day, setDay] = useState<string | null>(null);
  const selectedDay = day ?? days[0]?.[0] ?? null;
  if (days.length === 0) return <p class="muted">{t.none}</p>;
  const slots = days.find(([key]) => key === selectedDay)?.[1] ?? [];
  return (
    <div class="slots">
      <fieldset>
        <legend>{t.day}</legend>
        <div class="days" role="radiogroup">
          {days.map(([key, daySlots]) => (
            <label key={key} class={`chip ${key === selectedDay ? 'chip-on' : ''}`}>
              <input
                type="radio"
                name={`${props.idPrefix}-day`}
                value={key}
                checked={key === selectedDay}
                onChange={() => setDay(key)}
              />
              {formatDay(daySlots[0]!.start, props.lang)}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset aria-describedby={`${props.idPrefix}-zone`}>
        <legend>{t.slot}</legend>
        <p class="hint" id={`${props.idPrefix}-zone`}>
          {t.zone(visitorTimeZone())}
        </p>
        <div class="times">
          {slots.map((slot) => (
            <label
              key={slot.start}
              class={`chip ${props.value === slot.start ? 'chip-on' : ''} ${slot.remaining === 0 ? 'chip-off' : ''}`}
            >
              <input
                type="radio"
                name={`${props.idPrefix}-slot`}
                value={slot.start}
                disabled={slot.remaining === 0}
                checked={props.value === slot.start}
                onChange={() => props.onChange(slot.start)}
              />
              <span class="time">
                {formatTime(slot.start, props.lang)}–{formatTime(slot.end, props.lang)}
              </span>
              <span class="left">{slot.remaining > 0 ? t.left(slot.remaining) : t.full}</span>
            </label>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
