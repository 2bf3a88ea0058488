// The typed client of the callback service: openapi-fetch over the types openapi-typescript
// generated from the OpenAPI document (./schema.d.ts, `npm run client:generate`). Paths,
// parameters, bodies and answers are checked by the compiler:
//
//   const api = createCallbackClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'sk_…' });
//   const { data, error } = await api.GET('/v1/projects/{projectId}/availability', {
//     params: { path: { projectId: 'demo' } },
//   });
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };
export type CallbackClient = Client<paths>;

export function createCallbackClient(options: {
  baseUrl: string;
  /** A secret key (sk_…) or a project's publishable key (pk_…). */
  apiKey?: string;
  fetch?: typeof fetch;
}): CallbackClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  if (options.apiKey) {
    const auth: Middleware = {
      onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${options.apiKey}`);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}
