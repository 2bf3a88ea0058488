// `npm run test:e2e` (#13 "Done when"): Debian's Chromium (/usr/bin/chromium) driven by
// playwright-core against the whole stack on random ports. A visitor books an immediate
// callback and a deferred slot through the widget on /demo in French and English, on a
// desktop and a 360 px phone, and cancels through the emailed link; an agent signs in to the
// desk, goes AVAILABLE, accepts an offered call (auto-answer off), answers on the simulated
// softphone and sees the wrap-up. Screenshots of every step go to test/e2e/screenshots/.
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_PROJECT_ID, DEMO_PUBLISHABLE_KEY } from '../../prisma/seed';
import { createPrisma } from '../../src/infra/prisma';
import { stopAll, stopOnSignals } from '../helpers/stack';
import { E2E_API_KEY, startStack, type Stack } from './stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, 'screenshots');
const BUDGET_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 20_000;

const say = (line: string) => process.stdout.write(`[e2e] ${line}\n`);

interface Result {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const results: Result[] = [];
let shot = 0;

async function screenshot(page: Page, name: string): Promise<void> {
  shot += 1;
  await page.screenshot({
    path: path.join(SCREENSHOTS, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - started });
    say(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n').slice(0, 6).join('\n') : String(err);
    results.push({ name, ok: false, ms: Date.now() - started, error: message });
    say(`FAIL ${name}: ${message}`);
  }
}

/** A French mobile the simulated network answers (S57: last digit 5). */
function answeringMobile(): string {
  return `06 12 ${String(Math.floor(Math.random() * 90 + 10))} ${String(Math.floor(Math.random() * 90 + 10))} 05`;
}

function apiClient(stack: Stack) {
  return async <T = Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${stack.baseUrl}${url}`, {
      method,
      headers: { Authorization: `Bearer ${E2E_API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
}

const VIEWPORTS = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 360, height: 740 },
} as const;

const WIDGET_TEXT = {
  fr: {
    launcher: 'Être rappelé',
    phone: 'Votre numéro de téléphone',
    later: 'Choisir un créneau',
    now: 'Appelez-moi maintenant',
    submitNow: 'Me rappeler maintenant',
    submitLater: 'Réserver ce créneau',
    done: 'C’est noté',
    optOut: 'Je ne souhaite pas',
    manage: 'Voir, déplacer ou annuler',
    cancel: 'Annuler mon rappel',
    confirm: 'Confirmer l’annulation',
    cancelled: 'Votre rappel est annulé',
  },
  en: {
    launcher: 'Call me back',
    phone: 'Your phone number',
    later: 'Pick a time slot',
    now: 'Call me now',
    submitNow: 'Request the call now',
    submitLater: 'Book this slot',
    done: 'All set',
    optOut: 'I do not want',
    manage: 'See, move or cancel',
    cancel: 'Cancel my callback',
    confirm: 'Confirm cancellation',
    cancelled: 'Your callback is cancelled',
  },
} as const;

async function visitorScenarios(browser: Browser, stack: Stack) {
  for (const lang of ['fr', 'en'] as const) {
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      const t = WIDGET_TEXT[lang];
      const context = await browser.newContext({
        viewport,
        locale: lang === 'fr' ? 'fr-FR' : 'en-GB',
        timezoneId: 'America/Montreal',
      });
      context.setDefaultTimeout(STEP_TIMEOUT_MS);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      const tag = `${lang}-${device}`;

      await step(`visitor ${tag}: immediate callback through the widget`, async () => {
        await page.goto(`${stack.baseUrl}/demo?lang=${lang}`);
        // Keyboard only: Tab to the button, Enter opens, Escape closes and gives focus back.
        const launcher = page.getByRole('button', { name: t.launcher });
        await launcher.focus();
        await page.keyboard.press('Enter');
        await page.getByLabel(t.phone).waitFor();
        await page.keyboard.press('Escape');
        await page.getByLabel(t.phone).waitFor({ state: 'detached' });
        if (
          !(await launcher.evaluate(
            // Runs in the page: the button is the active element of the widget's shadow root.
            (el) => (el.getRootNode() as unknown as { activeElement: unknown }).activeElement === el,
          ))
        )
          throw new Error('focus did not return to the callbox button');
        await launcher.click();
        await page.getByLabel(t.phone).waitFor();
        await screenshot(page, `${tag}-widget-open`);
        if (await page.getByText(t.later).count()) await page.locator('.modes label', { hasText: t.now }).click();
        // Client-side check first (as the server does): an invalid number is refused in place.
        await page.getByLabel(t.phone).fill('12');
        await page.getByRole('button', { name: t.submitNow }).click();
        await page.getByRole('alert').first().waitFor();
        await screenshot(page, `${tag}-phone-invalid`);
        await page.getByLabel(t.phone).fill(answeringMobile());
        await page.getByText(t.optOut).click();
        await page.getByRole('button', { name: t.submitNow }).click();
        await page.getByText(t.done).waitFor();
        await screenshot(page, `${tag}-immediate-booked`);
        if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      });

      await step(`visitor ${tag}: deferred slot through the widget, then cancel through the link`, async () => {
        await page.goto(`${stack.baseUrl}/demo?lang=${lang}`);
        await page.getByRole('button', { name: t.launcher }).click();
        await page.locator('.modes label', { hasText: t.later }).click();
        const freeSlot = page.locator('.times label:not(.chip-off)').first();
        await freeSlot.waitFor();
        await page.locator('.days label').nth(1).click();
        await page.locator('.times label:not(.chip-off)').first().click();
        await page.getByLabel(t.phone).fill(answeringMobile());
        await screenshot(page, `${tag}-slot-picked`);
        await page.getByRole('button', { name: t.submitLater }).click();
        await page.getByText(t.done).waitFor();
        await screenshot(page, `${tag}-deferred-booked`);
        const [visit] = await Promise.all([
          context.waitForEvent('page'),
          page.getByRole('link', { name: t.manage }).click(),
        ]);
        visit.setDefaultTimeout(STEP_TIMEOUT_MS);
        await visit.getByRole('button', { name: t.cancel }).click();
        await visit.getByRole('button', { name: t.confirm }).click();
        await visit.getByText(t.cancelled).waitFor();
        await visit.locator('[data-status=CANCELLED]').waitFor();
        await screenshot(visit, `${tag}-cancelled-through-link`);
        if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      });
      await context.close();
    }
  }
}

/** A customer's site on another origin, embedding the callbox served by the API. */
async function customerSite(stack: Stack): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another shop</title>` +
        `<style>button { all: unset; color: red; font-size: 40px }</style></head>` +
        `<body><h1>Another shop</h1><div id="callbox"></div>` +
        `<script src="${stack.baseUrl}/widget.js" data-project="${DEMO_PROJECT_ID}" data-key="${DEMO_PUBLISHABLE_KEY}" data-target="#callbox"></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}

async function crossOriginScenario(browser: Browser, stack: Stack) {
  const site = await customerSite(stack);
  const prisma = createPrisma(stack.databaseUrl, 1);
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-GB' });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  try {
    await step('another site: the widget is refused until the site’s origin is allowed, then books', async () => {
      await page.goto(`${site.origin}/`);
      await page.getByText('The callback service is unavailable right now.').waitFor();
      await screenshot(page, 'other-origin-refused');
      const project = await prisma.project.findUniqueOrThrow({ where: { id: DEMO_PROJECT_ID } });
      await prisma.project.update({
        where: { id: DEMO_PROJECT_ID },
        data: { allowedOrigins: [...project.allowedOrigins, site.origin] },
      });
      // CORS answers per process are cached (a refusal for 2 s): reload until the widget draws.
      for (let i = 0; i < 10; i++) {
        await page.waitForTimeout(1000);
        await page.reload();
        await page.locator('.cb-root form, .cb-root [role=alert]').first().waitFor();
        if (await page.locator('.cb-root form').count()) break;
      }
      // Inline (data-target), in the host page's flow; the host's CSS (red 40 px buttons) stays out.
      await page.locator('.modes label', { hasText: 'Pick a time slot' }).click();
      await page.locator('.times label:not(.chip-off)').first().click();
      await page.getByLabel('Your phone number').fill(answeringMobile());
      const submit = page.getByRole('button', { name: 'Book this slot' });
      const color = await submit.evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color,
      );
      if (color === 'rgb(255, 0, 0)') throw new Error('the host page styled the widget');
      await submit.click();
      await page.getByText('All set').waitFor();
      await screenshot(page, 'other-origin-booked');
    });
  } finally {
    await context.close();
    await prisma.$disconnect();
    site.server.close();
  }
}

async function deskScenario(browser: Browser, stack: Stack) {
  const api = apiClient(stack);
  const agents = (
    await api<{ items: { id: string; name: string; answerMode: string }[] }>(
      'GET',
      `/v1/agents?projectId=${DEMO_PROJECT_ID}`,
    )
  ).items;
  const bruno = agents.find((a) => a.answerMode === 'DESK')!;
  // Auto-answer off (S45): the call waits for the agent's accept.
  await api('PATCH', `/v1/agents/${bruno.id}`, { autoAnswer: false });
  // The visitors' calls above are over or cancelled: Bruno must be the only agent for this one.
  for (const agent of agents.filter((a) => a.id !== bruno.id))
    await api('PUT', `/v1/agents/${agent.id}/status`, { status: 'UNAVAILABLE' }).catch(() => undefined);
  const open = await api<{ items: { id: string }[] }>(
    'GET',
    `/v1/projects/${DEMO_PROJECT_ID}/callbacks?status=SCHEDULED,WAITING_AGENT,RETRY_WAIT`,
  );
  for (const callback of open.items) await api('POST', `/v1/callbacks/${callback.id}/cancel`).catch(() => undefined);
  const { token } = await api<{ token: string }>('POST', `/v1/agents/${bruno.id}/tokens`, { label: 'e2e' });

  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-GB' });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  let callbackId = '';

  await step('agent: signs in to the desk with an agent token and goes AVAILABLE', async () => {
    await page.goto(`${stack.baseUrl}/desk`);
    await page.getByLabel('Agent token').fill(token);
    await screenshot(page, 'desk-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('● Live').waitFor();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Available', exact: true }).click();
    await page.locator('[data-state=AVAILABLE]').waitFor();
    await screenshot(page, 'desk-available');
  });

  await step('agent: is offered a call with a ring countdown and accepts it (auto-answer off)', async () => {
    const booked = await api<{ id: string }>('POST', '/v1/callbacks', {
      projectId: DEMO_PROJECT_ID,
      phone: answeringMobile(),
      mode: 'immediate',
    });
    callbackId = booked.id;
    const offer = page.getByTestId('offer');
    await offer.waitFor({ timeout: 60_000 });
    await offer.getByText(callbackId.slice(0, 8)).waitFor();
    await screenshot(page, 'desk-offer');
    await offer.getByRole('button', { name: 'Accept' }).click();
    await offer.waitFor({ state: 'detached' });
  });

  await step('agent: answers on the simulated softphone; the visitor is bridged; wrap-up follows', async () => {
    const softphone = page.getByTestId('softphone');
    const answer = softphone.getByRole('button', { name: 'Answer' });
    await answer.waitFor({ timeout: 30_000 });
    await screenshot(page, 'desk-softphone-ringing');
    await answer.click();
    await page.locator('[data-state=ON_CALL]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'desk-on-call');
    await page.getByTestId('wrap-up').waitFor({ timeout: 60_000 });
    await page.getByTestId('today').getByText(callbackId.slice(0, 8)).first().waitFor();
    await screenshot(page, 'desk-wrap-up');
    const callback = await api<{ status: string; attempts: { outcome: string; agentId: string }[] }>(
      'GET',
      `/v1/callbacks/${callbackId}`,
    );
    if (callback.status !== 'COMPLETED' || callback.attempts[0]?.agentId !== bruno.id)
      throw new Error(`callback ${callback.status} ${JSON.stringify(callback.attempts)}`);
  });
  await context.close();
}

async function main(): Promise<number> {
  const started = Date.now();
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const budget = setTimeout(() => {
    say(`over the ${BUDGET_MS / 1000} s budget: stopping`);
    void stopAll(say).finally(() => process.exit(1));
  }, BUDGET_MS);
  stopOnSignals(say);
  const stack = await startStack(say);
  let browser: Browser | null = null;
  try {
    const api = apiClient(stack);
    // Immediate callbacks offered at any hour (the demo's office hours would make the test
    // depend on the clock); short talks and wrap-ups; Alice (phone agent) takes the visitors.
    const settings = await api<Record<string, unknown>>('GET', `/v1/projects/${DEMO_PROJECT_ID}/call-settings`);
    const allDay = [{ start: '00:00', end: '23:59' }];
    await api('PUT', `/v1/projects/${DEMO_PROJECT_ID}/call-settings`, {
      ...settings,
      immediate: {
        enabled: true,
        availability: 'OPENING_HOURS',
        openingHours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, allDay])),
      },
      talkTimeSeconds: 2,
      autoAnswer: { delaySeconds: 1 },
    });
    const agents = (
      await api<{ items: { id: string; kind: string; answerMode: string }[] }>(
        'GET',
        `/v1/agents?projectId=${DEMO_PROJECT_ID}`,
      )
    ).items;
    for (const agent of agents.filter((a) => a.kind === 'EMPLOYEE' && a.answerMode === 'PHONE')) {
      await api('POST', `/v1/agents/${agent.id}/login`, {});
      await api('PUT', `/v1/agents/${agent.id}/status`, { status: 'AVAILABLE' });
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await visitorScenarios(browser, stack);
    await crossOriginScenario(browser, stack);
    await deskScenario(browser, stack);
  } catch (err) {
    results.push({ name: 'setup', ok: false, ms: 0, error: err instanceof Error ? err.stack : String(err) });
    say(`FAIL setup: ${err instanceof Error ? err.stack : String(err)}`);
  } finally {
    await browser?.close();
    const failed = results.filter((r) => !r.ok);
    if (failed.length) say(stack.logTails(20));
    await stack.stop(failed.length === 0);
    clearTimeout(budget);
  }
  const failed = results.filter((r) => !r.ok).length;
  say(
    `summary: ${results.length - failed} passed, ${failed} failed, ${shot} screenshots in test/e2e/screenshots/, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
