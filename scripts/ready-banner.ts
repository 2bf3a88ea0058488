// What `npm start` prints once it is ready (scripts/start.ts): every address README.md's "try
// it" and "callbox and desk" sections send a new user to, so none has to be guessed.
import type { Config } from '../src/config';

/** What `npm start` prints once ready: every address the README's "try it" uses. */
export function readyBanner(
  config: Pick<Config, 'HOST' | 'PORT' | 'SEED_API_KEY' | 'TEMPORAL_EXTERNAL' | 'TEMPORAL_UI_PORT' | 'telephony'>,
): string[] {
  const api = `http://${config.HOST}:${config.PORT}`;
  return [
    'ready:',
    `  API          ${api}   (GET /healthz)`,
    `  API key      ${config.SEED_API_KEY}   (Authorization: Bearer ${config.SEED_API_KEY})`,
    `  project      demo`,
    `  API docs     ${api}/docs   (OpenAPI: ${api}/v1/openapi.json)`,
    `  callbox demo ${api}/demo   (?lang=en for English)`,
    `  agent desk   ${api}/desk   (token: POST /v1/agents/{id}/tokens)`,
    ...(config.TEMPORAL_EXTERNAL ? [] : [`  Temporal UI  http://127.0.0.1:${config.TEMPORAL_UI_PORT}`]),
    `  telephony    ${config.telephony}`,
    'Ctrl-C stops everything.',
  ];
}
