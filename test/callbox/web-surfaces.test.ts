// #13: the web surfaces the API serves, and the size of what a website's visitors download.
import { buildBundle } from '../../api/web/bundles';
import { DEMO_PUBLISHABLE_KEY } from '../../prisma/seed';
import { useApi } from '../helpers/use-api';

// Static surfaces: no route here reaches Temporal.
const t = useApi({ temporal: 'none' });

test('the widget is one script, small once gzipped (Preact + libphonenumber-js/min)', async () => {
  const widget = await buildBundle('widget');
  // Printed for the README; the bound keeps it from growing unnoticed.
  process.stdout.write(`widget.js: ${widget.code.length} bytes, ${widget.gzipBytes} bytes gzipped\n`);
  expect(widget.gzipBytes).toBeLessThan(48 * 1024);
  const res = await t.harness.api().get('/widget.js');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/javascript/);
  expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
  expect(res.text).toBe(widget.code);
  // The voice SDK stays out of the visitors' script.
  expect(res.text).not.toContain('twilio');
});

test('/demo embeds the widget with the demo publishable key; /desk and /visit serve their pages', async () => {
  const demo = await t.harness.api().get('/demo?lang=en');
  expect(demo.status).toBe(200);
  expect(demo.text).toContain('<html lang="en">');
  expect(demo.text).toContain(`<script src="/widget.js" data-project="demo" data-key="${DEMO_PUBLISHABLE_KEY}" async>`);
  const escaped = await t.harness.api().get('/demo?project=%22%3E%3Cscript%3E');
  expect(escaped.text).not.toContain('"><script>');
  const desk = await t.harness.api().get('/desk');
  expect(desk.text).toContain('/desk.js');
  expect(desk.headers['x-frame-options']).toBe('DENY');
  expect((await t.harness.api().get('/desk.js')).status).toBe(200);
  expect((await t.harness.api().get('/visit.js')).status).toBe(200);
});
