import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiCallError, callApi } from '../shared/api';
import { formatTime, pickLang } from '../shared/i18n';
import { BASE_CSS } from '../shared/styles';
import { TEXT } from './text';

interface DeskState {
  agent: { id: string; name: string; kind: string; answerMode: 'DESK' | 'PHONE'; autoAnswer: boolean };
  presence: { state: string; since: string; callbackId: string | null; wrapUpUntil: string | null; inChat: boolean };
  offer: { callbackId: string; ringUntil: string; accepted: boolean } | null;
  softphoneCall: { callSid: string; callbackId: string; state: string; ringUntil: string } | null;
  handledToday: {
    callbackId: string;
    attempt: number;
    startedAt: string;
    endedAt: string | null;
    outcome: string | null;
  }[];
  softphone: 'twilio' | 'simulated' | 'none' | 'phone';
  serverTime: string;
}

interface VoiceCall {
  accept(): void;
  reject(): void;
  disconnect(): void;
  on(event: string, fn: () => void): void;
}
interface VoiceDevice {
  register(): Promise<void>;
  on(event: string, fn: (arg: never) => void): void;
  updateToken(token: string): void;
}
type VoiceGlobal = { Device: new (token: string, options?: object) => VoiceDevice };

const DESK_CSS = `
.desk { max-width: 880px; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
.card { background: #fff; border: 1px solid #d1d5db; border-radius: 12px; padding: 1rem; }
.top { display: flex; justify-content: space-between; align-items: center; gap: .75rem; flex-wrap: wrap; }
.top h1 { font-size: 1.3rem; margin: 0; }
.badge { display: inline-block; padding: .2rem .6rem; border-radius: 999px; font-weight: 700; border: 2px solid currentColor; }
.b-AVAILABLE { color: #166534; } .b-UNAVAILABLE { color: #92400e; } .b-LOGGED_OUT { color: #374151; }
.b-RESERVED { color: #1d4ed8; } .b-ON_CALL { color: #6b21a8; } .b-WRAP_UP { color: #9a3412; }
.alert { border: 3px solid #1d4ed8; background: #eff6ff; }
.ring { border: 3px solid #6b21a8; background: #faf5ff; }
.count { font-variant-numeric: tabular-nums; font-weight: 700; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e5e7eb; }
.mono { font-family: ui-monospace, monospace; }
.live { font-size: .85rem; color: #374151; }
h2 { margin-top: 0; }
`;

export function Desk() {
  const lang = pickLang();
  const t = TEXT[lang];
  const [state, setState] = useState<DeskState | null>(null);
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [connected, setConnected] = useState(false);
  const [declined, setDeclined] = useState<string | null>(null);
  const [offset, setOffset] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [voiceCall, setVoiceCall] = useState<VoiceCall | null>(null);
  const [voiceStatus, setVoiceStatus] = useState<string>('');
  const device = useRef<VoiceDevice | null>(null);

  const apply = (next: DeskState) => {
    setState(next);
    setOffset(Date.parse(next.serverTime) - Date.now());
  };

  const act = async (path: string, method = 'POST', body?: unknown) => {
    setError(null);
    try {
      apply(await callApi<DeskState>(`/desk/api/${path}`, { method, ...(body !== undefined ? { body } : {}) }));
    } catch (err) {
      if (err instanceof ApiCallError && err.status === 401) return setSignedIn(false);
      setError(t.error + (err instanceof Error ? err.message : String(err)));
    }
  };

  useEffect(() => {
    callApi<DeskState>('/desk/api/state').then(
      (s) => {
        apply(s);
        setSignedIn(true);
      },
      () => setSignedIn(false),
    );
  }, []);

  // Live updates: server-sent events, fed by the presence projection (LISTEN/NOTIFY).
  useEffect(() => {
    if (!signedIn) return;
    const events = new EventSource('/desk/api/events');
    events.addEventListener('state', (e) => apply(JSON.parse((e as MessageEvent<string>).data) as DeskState));
    events.onopen = () => setConnected(true);
    events.onerror = () => setConnected(false);
    return () => events.close();
  }, [signedIn]);

  // Countdowns tick locally; the deadlines come from the server.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);

  // Twilio Voice: a Device registered as client:agent-<id>.
  useEffect(() => {
    if (!state || state.softphone !== 'twilio' || device.current) return;
    const script = document.createElement('script');
    script.src = '/desk-voice.js';
    script.onload = async () => {
      try {
        const { token: jwt } = await callApi<{ token: string }>('/desk/api/voice-token', { method: 'POST' });
        const Voice = (window as unknown as { CallboxVoice: VoiceGlobal }).CallboxVoice;
        const d = new Voice.Device(jwt, { closeProtection: true });
        d.on('registered', () => setVoiceStatus(t.ready));
        d.on('error', (e: never) => setVoiceStatus(t.voiceError + String((e as { message?: string }).message ?? e)));
        d.on('tokenWillExpire', () => {
          void callApi<{ token: string }>('/desk/api/voice-token', { method: 'POST' }).then((r) =>
            d.updateToken(r.token),
          );
        });
        d.on('incoming', (call: never) => {
          const c = call as VoiceCall;
          setVoiceCall(c);
          c.on('disconnect', () => setVoiceCall(null));
          c.on('cancel', () => setVoiceCall(null));
          if (state.agent.autoAnswer) c.accept();
        });
        await d.register();
        device.current = d;
      } catch (err) {
        setVoiceStatus(t.voiceError + (err instanceof Error ? err.message : String(err)));
      }
    };
    document.head.appendChild(script);
  }, [state?.softphone]);

  const signIn = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await callApi('/desk/api/session', { method: 'POST', body: { token: token.trim() } });
      apply(await callApi<DeskState>('/desk/api/state'));
      setSignedIn(true);
    } catch {
      setError(t.badToken);
    }
  };

  const signOut = async () => {
    await callApi('/desk/api/session', { method: 'DELETE' }).catch(() => undefined);
    setSignedIn(false);
    setState(null);
  };

  const secondsUntil = (iso: string) => Math.max(0, Math.floor((Date.parse(iso) - (now + offset)) / 1000));

  if (signedIn === null)
    return (
      <div class="cb-root">
        <style>{BASE_CSS + DESK_CSS}</style>
      </div>
    );
  if (!signedIn)
    return (
      <div class="cb-root" lang={lang}>
        <style>{BASE_CSS + DESK_CSS}</style>
        <main class="desk">
          <form class="card" onSubmit={(e) => void signIn(e)}>
            <h1>{t.title}</h1>
            <label class="field" for="desk-token">
              {t.token}
            </label>
            <input
              id="desk-token"
              type="text"
              autoComplete="off"
              spellcheck={false}
              value={token}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
              aria-describedby="desk-token-hint"
              required
            />
            <p class="hint" id="desk-token-hint">
              {t.tokenHint}
            </p>
            {error && (
              <p class="error" role="alert">
                {error}
              </p>
            )}
            <div class="actions">
              <button class="primary" type="submit">
                {t.signIn}
              </button>
            </div>
          </form>
        </main>
      </div>
    );
  if (!state) return null;

  const p = state.presence;
  const offer = state.offer && !state.offer.accepted && declined !== state.offer.callbackId ? state.offer : null;
  const ringing = state.softphoneCall;

  return (
    <div class="cb-root" lang={lang}>
      <style>{BASE_CSS + DESK_CSS}</style>
      <main class="desk">
        <header class="card top">
          <div>
            <h1>
              {t.title} — {state.agent.name}
            </h1>
            <span class="live" aria-live="polite">
              {connected ? `● ${t.live}` : t.reconnecting}
            </span>
          </div>
          <button type="button" class="secondary" onClick={() => void signOut()}>
            {t.signOut}
          </button>
        </header>

        <section class="card" aria-labelledby="presence-title">
          <h2 id="presence-title">{t.presence}</h2>
          <p>
            <span class={`badge b-${p.state}`} data-testid="presence-state" data-state={p.state}>
              {t.states[p.state] ?? p.state}
            </span>{' '}
            <span class="muted">{t.since(formatTime(p.since, lang))}</span>
          </p>
          <div class="actions">
            {p.state === 'LOGGED_OUT' ? (
              <button type="button" class="primary" onClick={() => void act('login', 'POST', {})}>
                {t.logIn}
              </button>
            ) : (
              <>
                <button
                  type="button"
                  class={p.state === 'AVAILABLE' ? 'primary' : 'secondary'}
                  aria-pressed={p.state === 'AVAILABLE'}
                  onClick={() => void act('status', 'PUT', { status: 'AVAILABLE' })}
                >
                  {t.available}
                </button>
                <button
                  type="button"
                  class={p.state === 'UNAVAILABLE' ? 'primary' : 'secondary'}
                  aria-pressed={p.state === 'UNAVAILABLE'}
                  onClick={() => void act('status', 'PUT', { status: 'UNAVAILABLE' })}
                >
                  {t.unavailable}
                </button>
                <button type="button" class="secondary" onClick={() => void act('logout')}>
                  {t.logOut}
                </button>
              </>
            )}
          </div>
          {p.state === 'WRAP_UP' && (
            <p class="status" role="status" data-testid="wrap-up">
              {p.wrapUpUntil ? t.wrapUpTimed(secondsUntil(p.wrapUpUntil)) : t.wrapUpOpen}
            </p>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
        </section>

        {offer && (
          <section
            class="card alert"
            role="alertdialog"
            aria-labelledby="offer-title"
            aria-describedby="offer-body"
            data-testid="offer"
          >
            <h2 id="offer-title">{t.offerTitle}</h2>
            <p id="offer-body">
              {t.offerBody(secondsUntil(offer.ringUntil))}{' '}
              <span class="count" aria-hidden="true">
                {secondsUntil(offer.ringUntil)}
              </span>
            </p>
            <p class="mono">{offer.callbackId.slice(0, 8)}</p>
            <div class="actions">
              <button
                type="button"
                class="primary"
                autoFocus
                onClick={() => void act(`calls/${offer.callbackId}/accept`)}
              >
                {t.accept}
              </button>
              <button type="button" class="danger" onClick={() => setDeclined(offer.callbackId)}>
                {t.decline}
              </button>
            </div>
          </section>
        )}
        {state.offer?.accepted && p.state === 'RESERVED' && <p class="card status">{t.accepted}</p>}
        {declined && state.offer?.callbackId === declined && p.state === 'RESERVED' && <p class="card">{t.declined}</p>}

        <section class="card" aria-labelledby="softphone-title" data-testid="softphone">
          <h2 id="softphone-title">{t.softphone}</h2>
          {state.softphone === 'phone' && <p>{t.phoneAgent}</p>}
          {state.softphone === 'simulated' && (
            <>
              <p class="muted">{t.simulated}</p>
              {ringing?.state === 'ringing' ? (
                <div class="ring card" role="alertdialog" aria-label={t.ringing}>
                  <p class="status">
                    {t.ringing} <span class="count">{secondsUntil(ringing.ringUntil)}</span>
                  </p>
                  <div class="actions">
                    <button
                      type="button"
                      class="primary"
                      autoFocus
                      onClick={() => void act(`softphone/${ringing.callSid}/answer`)}
                    >
                      {t.answer}
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => void act(`softphone/${ringing.callSid}/decline`)}
                    >
                      {t.decline}
                    </button>
                  </div>
                </div>
              ) : ringing?.state === 'answered' || p.state === 'ON_CALL' ? (
                <p class="status" data-testid="softphone-connected">
                  {t.inCall}
                </p>
              ) : (
                <p>{t.ready}</p>
              )}
            </>
          )}
          {state.softphone === 'twilio' && (
            <>
              <p class="muted">
                {t.twilio} {voiceStatus && `— ${voiceStatus}`}
              </p>
              {voiceCall && (
                <div class="ring card">
                  <p class="status">{t.ringing}</p>
                  <div class="actions">
                    <button type="button" class="primary" onClick={() => voiceCall.accept()}>
                      {t.answer}
                    </button>
                    <button type="button" class="danger" onClick={() => voiceCall.reject()}>
                      {t.decline}
                    </button>
                  </div>
                </div>
              )}
            </>
          )}
        </section>

        <section class="card" aria-labelledby="today-title">
          <h2 id="today-title">{t.today}</h2>
          {state.handledToday.length === 0 ? (
            <p class="muted">{t.none}</p>
          ) : (
            <table data-testid="today">
              <thead>
                <tr>
                  <th scope="col">{t.time}</th>
                  <th scope="col">{t.callback}</th>
                  <th scope="col">{t.attempt}</th>
                  <th scope="col">{t.outcome}</th>
                </tr>
              </thead>
              <tbody>
                {state.handledToday.map((a) => (
                  <tr key={`${a.callbackId}-${a.attempt}`}>
                    <td>{formatTime(a.startedAt, lang)}</td>
                    <td class="mono">{a.callbackId.slice(0, 8)}</td>
                    <td>{a.attempt}</td>
                    <td>{a.outcome ?? '…'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </div>
  );
}
