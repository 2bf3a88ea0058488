// GET /v1/openapi.json: served without auth, OpenAPI 3.1, every route of the app documented
// (the routes express knows are compared with the document's paths), generated from the
// request schemas, with each route's error codes by status.
import { useApi } from '../helpers/use-api';

let doc: {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { description: string }>; parameters?: unknown[] }>>;
  components: {
    schemas: Record<
      string,
      { required?: string[]; properties: Record<string, { properties: { code: { enum: string[] } } }> }
    >;
    securitySchemes: object;
  };
};

// No route reached here talks to Temporal.
const t = useApi({ temporal: 'none' });

beforeAll(async () => {
  const res = await t.api().get('/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});

test('an OpenAPI 3.1 document listing every route of API.md with its methods', () => {
  expect(doc.openapi).toBe('3.1.0');
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
  );
  expect(operations.sort()).toEqual(
    [
      'GET /healthz',
      'GET /livez',
      'GET /readyz',
      'GET /v1/projects/{projectId}/widget-config',
      'GET /widget.js',
      'GET /demo',
      'GET /desk',
      'GET /visit/{token}',
      'GET /docs',
      'POST /v1/agents/{id}/tokens',
      'DELETE /v1/agents/{id}/tokens/{tokenId}',
      'GET /metrics',
      'GET /v1/openapi.json',
      'GET /media/hold-music/{projectId}',
      'POST /twilio/status',
      'POST /twilio/recording',
      'POST /twilio/acd/identify',
      'GET /twilio/hold-music/{projectId}',
      'POST /twilio/hold-music/{projectId}',
      'POST /v1/callbacks',
      'GET /v1/callbacks/{id}',
      'POST /v1/callbacks/{id}/cancel',
      'GET /v1/projects/{projectId}/callbacks',
      'GET /v1/projects/{projectId}/availability',
      'GET /v1/projects/{projectId}/call-settings',
      'PUT /v1/projects/{projectId}/call-settings',
      'PATCH /v1/projects/{projectId}/call-settings',
      'PUT /v1/projects/{projectId}/hold-music',
      'GET /v1/accounts/me/auto-answer',
      'PUT /v1/accounts/me/auto-answer',
      'POST /v1/agents',
      'GET /v1/agents',
      'GET /v1/agents/{id}',
      'PATCH /v1/agents/{id}',
      'GET /v1/agents/{id}/presence',
      'POST /v1/agents/{id}/login',
      'POST /v1/agents/{id}/logout',
      'PUT /v1/agents/{id}/status',
      'POST /v1/agents/{id}/chats/start',
      'POST /v1/agents/{id}/chats/end',
      'POST /v1/agents/{id}/calls/{callbackId}/accept',
      'DELETE /v1/agents/{id}',
      'POST /v1/agents/{id}/deactivate',
      'POST /v1/agents/{id}/activate',
      'GET /v1/api-keys',
      'POST /v1/api-keys',
      'POST /v1/api-keys/{id}/revoke',
    ].sort(),
  );
});

test('booking documents its headers, every error code by status and both key scopes', () => {
  const booking = doc.paths['/v1/callbacks']!['post']!;
  expect(Object.keys(booking.responses).sort()).toEqual(
    ['200', '201', '400', '401', '403', '404', '409', '413', '422', '429', '503'].sort(),
  );
  expect(booking.responses['409']!.description).toBe(
    'SLOT_FULL, SLOT_UNAVAILABLE, IMMEDIATE_UNAVAILABLE, DUPLICATE_CALLBACK',
  );
  expect(booking.parameters).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
  );
  expect(booking).toMatchObject({
    security: [{ secretKey: [] }, { publishableKey: [] }],
    responses: {
      200: { headers: { 'Idempotent-Replayed': expect.any(Object) } },
      429: { headers: { 'Retry-After': expect.any(Object), RateLimit: expect.any(Object) } },
      503: { headers: { 'Retry-After': expect.any(Object) } },
    },
  });
  expect(doc.components.schemas['BookingRequest']!.required).toEqual(['projectId', 'phone', 'mode']);
  expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
    'publishableKey',
    'secretKey',
    'twilioSignature',
  ]);
});

test('409 INVALID_STATE on presence changes, 412 on settings writes, 503 wherever a part can be down', () => {
  expect(doc.paths['/v1/agents/{id}/status']!['put']!.responses['409']!.description).toBe(
    'INVALID_STATE, AGENT_INACTIVE',
  );
  expect(doc.paths['/v1/projects/{projectId}/call-settings']!['put']!.responses['412']!.description).toBe(
    'PRECONDITION_FAILED',
  );
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1/') || path === '/v1/openapi.json') continue;
    for (const operation of Object.values(methods)) expect(operation.responses['503']).toBeDefined();
  }
  const codes = doc.components.schemas['Error']!.properties['error']!.properties.code.enum;
  expect(codes).toEqual(expect.arrayContaining(['INVALID_STATE', 'PRECONDITION_FAILED', 'UNAVAILABLE', 'SLOT_FULL']));
});

test('the response schemas leave unset fields out instead of null', () => {
  const callback = doc.components.schemas['Callback']!;
  expect(callback.required).not.toContain('endedAt');
  expect(JSON.stringify(callback.properties['endedAt'])).not.toContain('null');
  const presence = doc.components.schemas['AgentPresence']!;
  expect(presence.required).not.toContain('since');
});

test('GET /docs renders the document with Swagger UI served from the package (works offline)', async () => {
  const page = await t.api().get('/docs');
  expect(page.status).toBe(200);
  expect(page.text).toContain('/docs/assets/swagger-ui-bundle.js');
  const init = await t.api().get('/docs/init.js');
  expect(init.text).toContain("url: '/v1/openapi.json'");
  const bundle = await t.api().get('/docs/assets/swagger-ui-bundle.js');
  expect(bundle.status).toBe(200);
  expect(bundle.text.length).toBeGreaterThan(100_000);
});
