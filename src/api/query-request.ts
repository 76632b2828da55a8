// The /api/query body -> a QueryRequest with the reference's defaults
// (with-stats, with-data and with-padding are true unless set), its keys
// matched like encoding/json matches them to APIQueryRequest and APIQuery.
// The common shape is read by query-body-fast.ts, with the same result.

import type { QueryRequest, QuerySpec } from '../engine/types.ts';
import {
  expectFields,
  optionalArray,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalString,
  optionalStringArray,
  parseJsonText,
  utf8,
} from './json-input.ts';
import { fastQueryRequest } from './query-body-fast.ts';

const REQUEST_FIELDS = ['cluster', 'queries', 'for-all-nodes', 'from', 'to', 'with-stats', 'with-data', 'with-padding'] as const;
const QUERY_FIELDS = ['type', 'subtype', 'metric', 'host', 'resolution', 'type-ids', 'subtype-ids', 'scale-by', 'aggreg'] as const;

export function parseQueryRequest(body: Uint8Array): QueryRequest {
  const text = body.byteLength === 0 ? '' : utf8.decode(body);
  return fastQueryRequest(text, body) ?? parseQueryText(text);
}

/** The general way, for any body (exported for the tests that compare it with the fast one). */
export function parseQueryText(text: string): QueryRequest {
  const req = expectFields(parseJsonText(text, 'a query object'), '', REQUEST_FIELDS);
  const queries = optionalArray(req, 'queries', '') ?? [];
  return {
    cluster: optionalString(req, 'cluster', '') ?? '',
    from: optionalInteger(req, 'from', '') ?? 0,
    to: optionalInteger(req, 'to', '') ?? 0,
    queries: queries.map((q, i) => parseQuerySpec(q, `queries[${i}]`)),
    'for-all-nodes': optionalStringArray(req, 'for-all-nodes', ''),
    'with-stats': optionalBoolean(req, 'with-stats', '') ?? true,
    'with-data': optionalBoolean(req, 'with-data', '') ?? true,
    'with-padding': optionalBoolean(req, 'with-padding', '') ?? true,
  };
}

function parseQuerySpec(value: unknown, path: string): QuerySpec {
  const q = expectFields(value, path, QUERY_FIELDS);
  return {
    metric: optionalString(q, 'metric', path) ?? '',
    host: optionalString(q, 'host', path) ?? '',
    type: optionalString(q, 'type', path),
    'type-ids': optionalStringArray(q, 'type-ids', path),
    subtype: optionalString(q, 'subtype', path),
    'subtype-ids': optionalStringArray(q, 'subtype-ids', path),
    resolution: optionalInteger(q, 'resolution', path) ?? 0,
    'scale-by': optionalNumber(q, 'scale-by', path) ?? 0,
    aggreg: optionalBoolean(q, 'aggreg', path) ?? false,
  };
}
