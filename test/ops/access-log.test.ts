// Issue #10 item 8: access logs (pino-http) carry a request id, echoed as X-Request-Id,
// and never a phone number in clear; probes are not logged.
import { capturingLogger } from '../helpers/log-capture';
import { useApi } from '../helpers/use-api';

// Temporal is not needed for these routes: the app's client fails loudly if one reaches it.
const t = useApi({ temporal: 'none' });

test('each request is logged once with its id, method, masked url and status', async () => {
  const { logger, lines } = capturingLogger();
  const app = await t.startApi({ logger, accessLog: true });
  const given = await app.api().get('/v1/callbacks?phone=0612345678').set('X-Request-Id', 'req-abc-1').expect(401);
  expect(given.headers['x-request-id']).toBe('req-abc-1');
  const generated = await app.api().get('/nope').expect(404);
  expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  await app.api().get('/livez').expect(200);

  const entries = lines.map(
    (line) => JSON.parse(line) as { msg: string; req?: { id: string; url: string }; res?: { statusCode: number } },
  );
  const access = entries.filter((entry) => entry.req && entry.res);
  expect(access).toHaveLength(2);
  expect(access[0]).toMatchObject({ req: { id: 'req-abc-1' }, res: { statusCode: 401 } });
  expect(access[1]).toMatchObject({ req: { id: generated.headers['x-request-id'] }, res: { statusCode: 404 } });
  expect(lines.join('')).not.toContain('0612345678');
  expect(lines.join('')).not.toMatch(/authorization/i);
});
