// #13 item 2: the callbox. One <script src=".../widget.js" data-project data-key> tag: a
// launcher button and a panel, rendered with Preact in a shadow root (the host page's CSS
// cannot reach in, ours cannot leak out), talking to the API with the publishable key.
import { render } from 'preact';
import { Widget } from './widget';

function mount(script: HTMLScriptElement) {
  const projectId = script.dataset.project;
  const key = script.dataset.key;
  if (!projectId || !key) {
    console.error('callbox: the script tag needs data-project and data-key');
    return;
  }
  const apiBase = script.dataset.api ?? new URL(script.src, location.href).origin;
  const host = document.createElement('div');
  host.className = 'callbox-host';
  host.setAttribute('data-callbox', projectId);
  const target = script.dataset.target ? document.querySelector(script.dataset.target) : null;
  if (target) target.appendChild(host);
  else script.insertAdjacentElement('afterend', host);
  const shadow = host.attachShadow({ mode: 'open' });
  render(
    <Widget
      apiBase={apiBase}
      projectId={projectId}
      apiKey={key}
      langHint={script.dataset.lang ?? null}
      inline={Boolean(target) || script.dataset.inline === 'true'}
    />,
    shadow,
  );
}

const current = document.currentScript as HTMLScriptElement | null;
if (current) mount(current);
else document.querySelectorAll<HTMLScriptElement>('script[data-project][data-key]').forEach(mount);
