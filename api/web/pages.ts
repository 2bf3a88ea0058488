// #13: the HTML shells of the web surfaces; the content is rendered by the bundles.
const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * An inline icon: without one every browser asks for /favicon.ico, which the API answers 404,
 * and each page view logs a failed request in the console (found by the black-box checks).
 */
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='8' fill='%231d4ed8'/%3E%3C/svg%3E";

/** No lang: the page's bundle picks French or English from the browser. */
const shell = (lang: string | null, title: string, body: string) => `<!doctype html>
<html${lang ? ` lang="${lang}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<link rel="icon" href="${ICON}">
</head>
${body}
</html>`;

/** A sample shop page with the callbox, as a customer would embed it (`?lang=en`, `?project=`, `?key=`). */
export function demoPage(options: { projectId: string; publishableKey: string; lang: 'fr' | 'en' }): string {
  const fr = options.lang === 'fr';
  return shell(
    options.lang,
    fr ? 'Boutique démo — rappel gratuit' : 'Demo shop — free callback',
    `<body style="margin:0;font-family:Georgia,serif;background:#fdf6ec;color:#3b2f2f">
<header style="background:#7c2d12;color:#fff;padding:1rem 1.25rem"><strong style="font-size:1.4rem">${fr ? 'La Boutique Démo' : 'The Demo Shop'}</strong>
<nav style="margin-top:.25rem;font-size:.95rem"><a href="?lang=fr" style="color:#fff">Français</a> · <a href="?lang=en" style="color:#fff">English</a></nav></header>
<main style="padding:1.25rem;max-width:760px">
<h1 style="font-size:1.6rem">${fr ? 'Nos canapés sur mesure' : 'Our made-to-measure sofas'}</h1>
<p>${fr ? 'Une question sur une commande ? Laissez votre numéro : un conseiller vous rappelle maintenant ou au créneau de votre choix.' : 'A question about an order? Leave your number: an adviser calls you now or at the time you choose.'}</p>
<p style="font-size:.9rem;color:#57534e">${fr ? 'Cette page embarque le callbox avec une seule balise :' : 'This page embeds the callbox with one tag:'}</p>
<pre style="white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #e7e5e4;padding:.75rem;font-size:.8rem">&lt;script src="/widget.js" data-project="${escape(options.projectId)}" data-key="${escape(options.publishableKey)}" async&gt;&lt;/script&gt;</pre>
</main>
<script src="/widget.js" data-project="${escape(options.projectId)}" data-key="${escape(options.publishableKey)}" async></script>
</body>`,
  );
}

export function deskPage(): string {
  return shell(
    null,
    'Desk',
    `<body style="margin:0;background:#f3f4f6"><div id="desk"></div><script src="/desk.js"></script></body>`,
  );
}

export function visitPage(token: string): string {
  return shell(
    null,
    'Callback',
    `<body style="margin:0;background:#f3f4f6"><div id="visit" data-token="${escape(token)}"></div><script src="/visit.js"></script></body>`,
  );
}
