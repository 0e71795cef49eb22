// Contract fixtures (test/fixtures/azure/*.json): response bodies written in the shapes
// of the official examples (Azure REST API specs `examples/`, Microsoft Graph v1.0
// reference), each file `{ description, parameters, responses: { "200": { body } } }`.
// `exampleBody` reads one, fills its placeholders and points its next link at the local
// server, so the real clients follow it to page 1 there.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Json } from './fixture.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/azure/', import.meta.url));

export interface ExampleTarget {
  /** The local server's Resource Manager and Graph origins. */
  armUrl: string;
  graphUrl: string;
}

/**
 * The example's 200 body with `{placeholder}`s replaced; a `nextLink` (ARM) or
 * `@odata.nextLink` (Graph) is rewritten to `path` on the local server with the
 * original's query (its `$skiptoken` replaced by `1`).
 */
export function exampleBody(
  file: string,
  target: ExampleTarget,
  service: 'arm' | 'graph',
  path: string,
  placeholders: Readonly<Record<string, string>> = {},
): Json {
  let text = readFileSync(`${FIXTURES}${file}`, 'utf8');
  for (const [name, value] of Object.entries(placeholders)) text = text.replaceAll(`{${name}}`, value);
  const body = (JSON.parse(text) as { responses: { '200': { body: Json } } }).responses['200'].body;
  const key = service === 'arm' ? 'nextLink' : '@odata.nextLink';
  if (typeof body[key] === 'string') {
    const original = new URL(String(body[key]).replace(/\{token\}/g, 'x'));
    const next = new URL(path, service === 'arm' ? target.armUrl : target.graphUrl);
    for (const [k, v] of original.searchParams) if (k !== '$skiptoken') next.searchParams.set(k, v);
    next.searchParams.set('$skiptoken', '1');
    body[key] = next.toString();
  }
  return body;
}
