// Every JSON example of docs/api.md (the HTTP contract, API.md's examples included) is
// valid against the OpenAPI document the API serves: requests against the operation's
// request body, answers against its response for that status, named schemas against the
// component. A wrong field name, a null where the document says "left out", or a missing
// required field fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { openApiDocument } from '../../api/openapi';

const DOC_PATH = path.join(__dirname, '..', '..', 'docs', 'api.md');
const EXAMPLE =
  /<!-- example: (request|response (\d{3})|schema) (?:(GET|POST|PUT|PATCH|DELETE) )?(\S+) -->\s*```json\n([\s\S]*?)```/g;

interface Example {
  label: string;
  pointer: string;
  value: unknown;
}

function pointerOf(kind: string, status: string | undefined, method: string | undefined, target: string): string {
  const escape = (segment: string) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
  const json = escape('application/json');
  if (kind === 'schema') return `#/components/schemas/${escape(target)}`;
  const operation = `#/paths/${escape(target)}/${method!.toLowerCase()}`;
  return kind === 'request'
    ? `${operation}/requestBody/content/${json}/schema`
    : `${operation}/responses/${status}/content/${json}/schema`;
}

function examples(): Example[] {
  const text = readFileSync(DOC_PATH, 'utf8');
  return [...text.matchAll(EXAMPLE)].map((m) => ({
    label: `${m[1]} ${m[3] ?? ''} ${m[4]}`.replace(/\s+/g, ' '),
    pointer: pointerOf(m[1]!.split(' ')[0]!, m[2], m[3], m[4]!),
    value: JSON.parse(m[5]!),
  }));
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(JSON.parse(JSON.stringify(openApiDocument())) as object, 'openapi.json');

test('docs/api.md has examples for requests, answers and the error body', () => {
  const found = examples();
  expect(found.length).toBeGreaterThanOrEqual(14);
  expect(found.map((e) => e.label)).toEqual(
    expect.arrayContaining([
      'request POST /v1/callbacks',
      'request PUT /v1/projects/{projectId}/call-settings',
      'response 200 GET /v1/callbacks/{id}',
      'schema Error',
    ]),
  );
});

test.each(examples().map((e) => [e.label, e] as const))(
  '%s validates against the OpenAPI document',
  (_label, example) => {
    const validate = ajv.getSchema(`openapi.json${example.pointer}`);
    expect(validate).toBeDefined();
    const valid = validate!(example.value);
    expect(valid ? [] : validate!.errors).toEqual([]);
  },
);

test('a wrong example is caught (the check can fail)', () => {
  const validate = ajv.getSchema(`openapi.json${pointerOf('response', '200', 'GET', '/v1/callbacks/{id}')}`)!;
  expect(validate({ id: 'x', endedAt: null })).toBe(false);
});
