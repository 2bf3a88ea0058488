// The OpenAPI 3.1 document of every route, rendered from the operations each route module
// registers beside its handlers (./registry) with the zod schemas that validate requests.
// Served without auth at GET /v1/openapi.json (API.md); GET /docs renders it (Swagger UI,
// served from the swagger-ui-dist package: works offline).
import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { ApiError, ERROR_CODES } from '../errors';
import { registry } from './registry';
// Each import registers its operations.
import '../routes/agent-tokens';
import '../routes/agents';
import '../routes/api-keys';
import '../routes/availability';
import '../routes/callbacks';
import '../routes/hold-music';
import '../routes/settings';
import '../routes/widget-config';
import '../webhooks/recordings';
import './operations';

let cached: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

export function openApiDocument() {
  cached ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Callback service',
      version: '1',
      description:
        'The HTTP contract of the callback service (docs/api.md). Errors: ' +
        '`{ "error": { "code", "message", "details"? } }`; codes: ' +
        `${ERROR_CODES.join(', ')}. Lists are cursor-paged: \`limit\`, \`cursor\` → \`nextCursor\`.`,
    },
    servers: [{ url: '/' }],
  });
  return cached;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Callback service API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/** GET /v1/openapi.json and GET /docs (Swagger UI) without auth; mount in createApp's publicRouters. */
export function createOpenApiRouter(): Router {
  const router = Router();
  router.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  const assets = path.dirname(createRequire(__filename).resolve('swagger-ui-dist/package.json'));
  router.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.use('/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
  return router;
}

/** OpenAPI path templates as regular expressions, with the methods each one documents. */
function documentedMethods(): { pattern: RegExp; methods: string[] }[] {
  return Object.entries(openApiDocument().paths ?? {}).map(([template, item]) => ({
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    methods: Object.keys(item as object).map((m) => m.toUpperCase()),
  }));
}

/** 405 METHOD_NOT_ALLOWED (with Allow) for a documented path asked with another method. */
export function methodNotAllowedHandler(): RequestHandler {
  let routes: ReturnType<typeof documentedMethods> | undefined;
  return (req, res, next) => {
    if (req.method === 'OPTIONS' || req.method === 'HEAD') return next();
    routes ??= documentedMethods();
    const route = routes.find((r) => r.pattern.test(req.path));
    if (!route || route.methods.includes(req.method)) return next();
    const allow = [...route.methods, ...(route.methods.includes('GET') ? ['HEAD'] : [])];
    res.set('Allow', allow.join(', '));
    next(new ApiError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow.join(', ')}`));
  };
}

export { registry } from './registry';
