import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiCallError, callApi, type Availability, type BookedCallback, type WidgetConfig } from '../shared/api';
import { formatLocal, pickLang } from '../shared/i18n';
import { checkPhone, phoneExample } from '../shared/phone';
import { SlotPicker } from '../shared/slot-picker';
import { BASE_CSS } from '../shared/styles';
import { TEXT } from './text';

const WIDGET_CSS = `
.launcher { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.panel { background: #fff; border: 1px solid #d1d5db; border-radius: 12px; padding: 1rem; box-shadow: 0 10px 30px rgba(0,0,0,.2); }
.floating { position: fixed; right: 16px; bottom: 76px; z-index: 2147483000; width: min(400px, calc(100vw - 32px)); max-height: calc(100vh - 100px); overflow: auto; }
.head { display: flex; justify-content: space-between; align-items: flex-start; gap: .5rem; }
.x { background: transparent; border: 0; color: #374151; min-width: 44px; font-size: 1.4rem; line-height: 1; padding: .25rem; }
@media (max-width: 480px) { .floating { right: 8px; left: 8px; width: auto; bottom: 72px; } .launcher { right: 8px; bottom: 8px; } }
`;

type Mode = 'immediate' | 'deferred';

export function Widget(props: {
  apiBase: string;
  projectId: string;
  apiKey: string;
  langHint: string | null;
  inline: boolean;
}) {
  const lang = pickLang(props.langHint);
  const t = TEXT[lang];
  const [open, setOpen] = useState(props.inline);
  const [config, setConfig] = useState<WidgetConfig | null>(null);
  const [availability, setAvailability] = useState<Availability | null>(null);
  const [loadError, setLoadError] = useState(false);
  const [mode, setMode] = useState<Mode | null>(null);
  const [slotStart, setSlotStart] = useState<string | null>(null);
  const [phone, setPhone] = useState('');
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const [optOut, setOptOut] = useState(false);
  const [sending, setSending] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [booked, setBooked] = useState<BookedCallback | null>(null);
  const idempotencyKey = useRef(newKey());
  const headingRef = useRef<HTMLHeadingElement>(null);
  const launcherRef = useRef<HTMLButtonElement>(null);
  const phoneRef = useRef<HTMLInputElement>(null);

  const headers = { Authorization: `Bearer ${props.apiKey}` };
  const base = `${props.apiBase}/v1/projects/${encodeURIComponent(props.projectId)}`;

  const load = useCallback(async () => {
    setLoadError(false);
    try {
      const [cfg, avail] = await Promise.all([
        callApi<WidgetConfig>(`${base}/widget-config`, { headers }),
        callApi<Availability>(`${base}/availability`, { headers }),
      ]);
      setConfig(cfg);
      setAvailability(avail);
      setMode((current) => {
        if (current === 'immediate' && avail.immediate.available) return current;
        if (current === 'deferred' && avail.deferred.available) return current;
        return avail.immediate.available ? 'immediate' : avail.deferred.available ? 'deferred' : null;
      });
    } catch {
      setLoadError(true);
    }
  }, [base]);

  useEffect(() => {
    if (open && !config) void load();
  }, [open]);
  useEffect(() => {
    if (open && !props.inline) headingRef.current?.focus();
  }, [open]);

  const close = () => {
    if (props.inline) return;
    setOpen(false);
    launcherRef.current?.focus();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setFormError(null);
    if (!config || !mode) return;
    const checked = checkPhone(phone, config.countries);
    if (!checked.ok) {
      setPhoneError(checked.reason === 'country' ? t.phoneCountry : t.phoneInvalid);
      phoneRef.current?.focus();
      return;
    }
    setPhoneError(null);
    if (mode === 'deferred' && !slotStart) {
      setFormError(t.pickSlot);
      return;
    }
    setSending(true);
    try {
      const callback = await callApi<BookedCallback>(`${props.apiBase}/v1/callbacks`, {
        method: 'POST',
        headers: { ...headers, 'Idempotency-Key': idempotencyKey.current },
        body: {
          projectId: props.projectId,
          phone: checked.e164,
          mode,
          ...(mode === 'deferred' ? { slotStart } : {}),
          ...(config.recording.enabled ? { recordingOptOut: optOut } : {}),
        },
      });
      setBooked(callback);
    } catch (err) {
      const code = err instanceof ApiCallError ? err.code : 'other';
      if (code === 'PHONE_NOT_ALLOWED' && err instanceof ApiCallError) setPhoneError(t.errors.PHONE_NOT_ALLOWED!);
      else setFormError(t.errors[code] ?? t.errors.other!);
      // A refused request may be repeated with other choices: a new key.
      idempotencyKey.current = newKey();
      if (code === 'SLOT_FULL' || code === 'SLOT_UNAVAILABLE' || code === 'IMMEDIATE_UNAVAILABLE') {
        setSlotStart(null);
        void load();
      }
    } finally {
      setSending(false);
    }
  };

  const restart = () => {
    setBooked(null);
    setPhone('');
    setSlotStart(null);
    idempotencyKey.current = newKey();
    void load();
  };

  const panelId = `callbox-panel-${props.projectId}`;
  const headingId = `${panelId}-title`;
  const phoneId = `${panelId}-phone`;
  const phoneHintId = `${phoneId}-hint`;
  const phoneErrorId = `${phoneId}-error`;

  const body = () => {
    if (loadError)
      return (
        <div>
          <p role="alert">{t.loadFailed}</p>
          <button type="button" class="secondary" onClick={() => void load()}>
            {t.retry}
          </button>
        </div>
      );
    if (!config || !availability) return <p aria-live="polite">{t.loading}</p>;
    if (booked) {
      return (
        <div role="status" aria-live="polite" class="done">
          <p class="status">{t.doneTitle}</p>
          <p>{booked.mode === 'immediate' ? t.doneNow : t.doneLater(formatLocal(booked.scheduledAt, lang))}</p>
          {booked.manageUrl && (
            <p>
              <a href={booked.manageUrl} target="_blank" rel="noopener">
                {t.manage}
              </a>
            </p>
          )}
          <div class="actions">
            <button type="button" class="secondary" onClick={restart}>
              {t.again}
            </button>
          </div>
        </div>
      );
    }
    const offersNow = availability.immediate.available;
    const offersLater = availability.deferred.available && availability.deferred.slots.some((s) => s.remaining > 0);
    if (!offersNow && !offersLater) return <p>{t.nothing}</p>;
    return (
      <form onSubmit={(e) => void submit(e)} noValidate>
        {offersNow && offersLater && (
          <fieldset>
            <legend>{t.when}</legend>
            <div class="modes">
              <label class={`chip ${mode === 'immediate' ? 'chip-on' : ''}`}>
                <input
                  type="radio"
                  name="mode"
                  value="immediate"
                  checked={mode === 'immediate'}
                  onChange={() => setMode('immediate')}
                />
                {t.now}
              </label>
              <label class={`chip ${mode === 'deferred' ? 'chip-on' : ''}`}>
                <input
                  type="radio"
                  name="mode"
                  value="deferred"
                  checked={mode === 'deferred'}
                  onChange={() => setMode('deferred')}
                />
                {t.later}
              </label>
            </div>
          </fieldset>
        )}
        {mode === 'deferred' && (
          <SlotPicker
            lang={lang}
            slots={availability.deferred.slots}
            value={slotStart}
            onChange={setSlotStart}
            idPrefix={panelId}
          />
        )}
        <label class="field" for={phoneId}>
          {t.phone}
        </label>
        <input
          id={phoneId}
          ref={phoneRef}
          type="tel"
          autoComplete="tel"
          inputMode="tel"
          value={phone}
          required
          aria-invalid={phoneError ? 'true' : 'false'}
          aria-describedby={`${phoneHintId}${phoneError ? ` ${phoneErrorId}` : ''}`}
          onInput={(e) => {
            setPhone((e.target as HTMLInputElement).value);
            if (phoneError) setPhoneError(null);
          }}
        />
        <p class="hint" id={phoneHintId}>
          {t.phoneHint(phoneExample(config.defaultCountry))}
        </p>
        {phoneError && (
          <p class="error" id={phoneErrorId} role="alert">
            {phoneError}
          </p>
        )}
        {config.recording.enabled && (
          <>
            <p class="hint">{t.recordingNote}</p>
            <label class="check">
              <input
                type="checkbox"
                name="recordingOptOut"
                checked={optOut}
                onChange={(e) => setOptOut((e.target as HTMLInputElement).checked)}
              />
              <span>{t.optOut}</span>
            </label>
          </>
        )}
        {formError && (
          <p class="error" role="alert">
            {formError}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={sending}>
            {sending ? t.sending : mode === 'immediate' ? t.submitNow : t.submitLater}
          </button>
        </div>
      </form>
    );
  };

  return (
    <div class="cb-root" lang={lang} onKeyDown={(e) => e.key === 'Escape' && close()}>
      <style>{BASE_CSS + WIDGET_CSS}</style>
      {!props.inline && (
        <button
          ref={launcherRef}
          type="button"
          class="primary launcher"
          aria-expanded={open ? 'true' : 'false'}
          aria-controls={panelId}
          onClick={() => (open ? close() : setOpen(true))}
        >
          {t.launcher}
        </button>
      )}
      {open && (
        <section
          id={panelId}
          class={`panel ${props.inline ? '' : 'floating'}`}
          role={props.inline ? 'region' : 'dialog'}
          aria-labelledby={headingId}
        >
          <div class="head">
            <h2 id={headingId} tabIndex={-1} ref={headingRef}>
              {t.title}
            </h2>
            {!props.inline && (
              <button type="button" class="x" aria-label={t.close} onClick={close}>
                ×
              </button>
            )}
          </div>
          {body()}
        </section>
      )}
    </div>
  );
}

function newKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
