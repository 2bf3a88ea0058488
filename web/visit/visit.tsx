import { useEffect, useState } from 'preact/hooks';
import { ApiCallError, callApi, type Slot } from '../shared/api';
import { formatLocal, pickLang } from '../shared/i18n';
import { SlotPicker } from '../shared/slot-picker';
import { BASE_CSS } from '../shared/styles';

interface VisitorCallback {
  id: string;
  mode: 'immediate' | 'deferred';
  status: string;
  scheduledAt: string;
  timezone: string;
  phoneEnding: string;
  cancellable: boolean;
  movable: boolean;
  manageUrl: string;
}

const TEXT = {
  fr: {
    title: 'Votre rappel',
    loading: 'Chargement…',
    invalid: 'Ce lien n’est pas valide ou a expiré.',
    number: (end: string) => `Numéro se terminant par ${end}`,
    when: (at: string) => `Prévu le ${at} (votre heure)`,
    status: {
      SCHEDULED: 'Prévu',
      WAITING_AGENT: 'En attente d’un conseiller',
      DIALING: 'Appel en cours',
      CONNECTED: 'En communication',
      RETRY_WAIT: 'Nouvel essai bientôt',
      COMPLETED: 'Terminé',
      FAILED: 'Sans réponse',
      EXPIRED: 'Expiré',
      CANCELLED: 'Annulé',
    } as Record<string, string>,
    cancel: 'Annuler mon rappel',
    confirmCancel: 'Confirmer l’annulation',
    keep: 'Garder mon rappel',
    cancelled: 'Votre rappel est annulé.',
    move: 'Choisir un autre créneau',
    doMove: 'Déplacer mon rappel',
    moved: 'Votre rappel est déplacé.',
    back: 'Retour',
    failed: 'La demande a échoué : ',
  },
  en: {
    title: 'Your callback',
    loading: 'Loading…',
    invalid: 'This link is not valid or has expired.',
    number: (end: string) => `Number ending in ${end}`,
    when: (at: string) => `Planned for ${at} (your time)`,
    status: {
      SCHEDULED: 'Scheduled',
      WAITING_AGENT: 'Waiting for an agent',
      DIALING: 'Calling',
      CONNECTED: 'Connected',
      RETRY_WAIT: 'Trying again soon',
      COMPLETED: 'Completed',
      FAILED: 'Not reached',
      EXPIRED: 'Expired',
      CANCELLED: 'Cancelled',
    } as Record<string, string>,
    cancel: 'Cancel my callback',
    confirmCancel: 'Confirm cancellation',
    keep: 'Keep my callback',
    cancelled: 'Your callback is cancelled.',
    move: 'Pick another slot',
    doMove: 'Move my callback',
    moved: 'Your callback has moved.',
    back: 'Back',
    failed: 'The request failed: ',
  },
};

const VISIT_CSS = `.page { max-width: 560px; margin: 0 auto; padding: 1rem; } .card { background: #fff; border: 1px solid #d1d5db; border-radius: 12px; padding: 1rem; } h1 { font-size: 1.35rem; margin: 0 0 .75rem; }`;

export function Visit(props: { token: string }) {
  const lang = pickLang();
  const t = TEXT[lang];
  const [token, setToken] = useState(props.token);
  const [callback, setCallback] = useState<VisitorCallback | null>(null);
  const [invalid, setInvalid] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [moving, setMoving] = useState(false);
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [slot, setSlot] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const api = (path: string) => `/visit/${encodeURIComponent(token)}/api/${path}`;

  useEffect(() => {
    callApi<VisitorCallback>(api('callback')).then(setCallback, () => setInvalid(true));
  }, [token]);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(t.failed + (err instanceof ApiCallError ? err.message : String(err)));
    } finally {
      setBusy(false);
    }
  };

  const cancel = () =>
    run(async () => {
      setCallback(await callApi<VisitorCallback>(api('cancel'), { method: 'POST' }));
      setConfirming(false);
      setNotice(t.cancelled);
    });

  const openMove = () =>
    run(async () => {
      const availability = await callApi<{ deferred: { slots: Slot[] } }>(api('availability'));
      setSlots(availability.deferred.slots);
      setMoving(true);
    });

  const move = () =>
    run(async () => {
      if (!slot) return;
      const next = await callApi<VisitorCallback>(api('rebook'), { method: 'POST', body: { slotStart: slot } });
      const nextToken = new URL(next.manageUrl).pathname.split('/').pop() ?? '';
      history.replaceState(null, '', `/visit/${nextToken}`);
      setToken(nextToken);
      setCallback(next);
      setMoving(false);
      setSlot(null);
      setNotice(t.moved);
    });

  return (
    <div class="cb-root" lang={lang}>
      <style>{BASE_CSS + VISIT_CSS}</style>
      <main class="page">
        <div class="card">
          <h1>{t.title}</h1>
          {invalid && <p role="alert">{t.invalid}</p>}
          {!invalid && !callback && <p>{t.loading}</p>}
          {callback && (
            <>
              <p>
                <span class="status" data-testid="visit-status" data-status={callback.status}>
                  {t.status[callback.status] ?? callback.status}
                </span>
              </p>
              <p>{t.when(formatLocal(callback.scheduledAt, lang))}</p>
              <p class="muted">{t.number(callback.phoneEnding)}</p>
              {notice && (
                <p role="status" class="status">
                  {notice}
                </p>
              )}
              {error && (
                <p role="alert" class="error">
                  {error}
                </p>
              )}
              {moving && slots ? (
                <>
                  <SlotPicker lang={lang} slots={slots} value={slot} onChange={setSlot} idPrefix="move" />
                  <div class="actions">
                    <button type="button" class="primary" disabled={!slot || busy} onClick={() => void move()}>
                      {t.doMove}
                    </button>
                    <button type="button" class="secondary" onClick={() => setMoving(false)}>
                      {t.back}
                    </button>
                  </div>
                </>
              ) : (
                callback.cancellable && (
                  <div class="actions">
                    {confirming ? (
                      <>
                        <button type="button" class="danger" disabled={busy} onClick={() => void cancel()} autoFocus>
                          {t.confirmCancel}
                        </button>
                        <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                          {t.keep}
                        </button>
                      </>
                    ) : (
                      <>
                        {callback.movable && (
                          <button type="button" class="secondary" disabled={busy} onClick={() => void openMove()}>
                            {t.move}
                          </button>
                        )}
                        <button type="button" class="danger" onClick={() => setConfirming(true)}>
                          {t.cancel}
                        </button>
                      </>
                    )}
                  </div>
                )
              )}
            </>
          )}
        </div>
      </main>
    </div>
  );
}
