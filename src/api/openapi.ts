// The OpenAPI description served at /swagger/doc.json with -dev. It starts from
// the reference's swagger.json and corrects it: real methods (GET and POST for
// query, GET for debug), every parameter and body, and Bearer JWT auth.

const error = (description: string, schema = 'ErrorResponse') => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});

const commonErrors = {
  '401': error('Unauthorized: missing, malformed, expired or not EdDSA-signed token'),
  '413': error('Request Entity Too Large: body over main.max-body-size'),
  '500': error('Internal Server Error'),
};

const queryBody = {
  required: true,
  content: {
    'application/json': {
      schema: { $ref: '#/components/schemas/QueryRequest' },
      example: {
        cluster: 'fritz',
        from: 1725620000,
        to: 1725623600,
        queries: [{ metric: 'cpu_load', host: 'f0101' }],
      },
    },
  },
};

const queryResponses = {
  '200': {
    description: 'One row of results per query, in query order',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/QueryResponse' } } },
  },
  '400': error('Bad Request: body is not JSON or a field has the wrong type'),
  ...commonErrors,
};

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'cc-metric-store REST API',
    version: '1.0.0',
    description:
      'In-memory time-series store of ClusterCockpit. Every endpoint also answers without its trailing slash. ' +
      'When `main.jwt-public-key` is set, every request needs `Authorization: Bearer <JWT>` with a token signed with EdDSA (Ed25519).',
    license: { name: 'MIT License', url: 'https://opensource.org/licenses/MIT' },
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'query', description: 'Read metrics' },
    { name: 'write', description: 'Store metrics' },
    { name: 'free', description: 'Drop old data' },
    { name: 'debug', description: 'Inspect the store' },
    { name: 'healthcheck', description: 'Node monitoring state' },
  ],
  paths: {
    '/api/query/': {
      get: {
        tags: ['query'],
        summary: 'Query metrics (GET with a JSON body)',
        description:
          'What cc-backend sends: `GET /api/query?version=v2` with the JSON body of the POST variant. ' +
          'Browsers cannot send a GET body, so use the POST variant to try it here; curl can: ' +
          "`curl -X GET 'http://localhost:8082/api/query?version=v2' -d '{...}'`.",
        parameters: [{ name: 'version', in: 'query', schema: { type: 'string', example: 'v2' }, description: 'Accepted and ignored' }],
        responses: queryResponses,
      },
      post: {
        tags: ['query'],
        summary: 'Query metrics',
        description:
          'Reads each query over [from, to). A selector that finds no data yields no entry in its row; other ' +
          'problems (unknown metric, from > to, a resolution that is not a multiple of the frequency, ' +
          'aggregating a metric without aggregation) yield an entry with `error`. With `for-all-nodes`, one ' +
          'query per host of the cluster and metric is generated and echoed as `queries`.',
        parameters: [{ name: 'version', in: 'query', schema: { type: 'string', example: 'v2' }, description: 'Accepted and ignored' }],
        requestBody: queryBody,
        responses: queryResponses,
      },
    },
    '/api/write/': {
      post: {
        tags: ['write'],
        summary: 'Write metrics in InfluxDB line protocol',
        description:
          '`<metric>,cluster=<c>,hostname=<h>[,type=<t>,type-id=<id>[,stype=<s>,stype-id=<id>]] value=<v> [<ts>]`, ' +
          'one sample per line; the timestamp may be in s, ms, us or ns. 200 only when every sample is stored and in ' +
          'the WAL (lines of metrics not configured are skipped). Otherwise a partial write: what was stored stays, and ' +
          'the answer carries the counts (400 rejected or malformed lines, 507 a full shard, 500 a WAL failure).',
        parameters: [
          {
            name: 'cluster',
            in: 'query',
            schema: { type: 'string' },
            description: 'Cluster of lines that have no cluster tag',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'text/plain': {
              schema: { type: 'string' },
              example: 'cpu_load,cluster=fritz,hostname=f0101,type=node value=1.5 1725620476',
            },
          },
        },
        responses: {
          '200': { description: 'Every sample stored and in the WAL (empty body)' },
          '400': error('Bad Request: lines rejected or malformed ("line N: ...")', 'WriteErrorResponse'),
          '507': {
            ...error('Insufficient Storage: a shard had no memory left for some samples; send them again later', 'WriteErrorResponse'),
            headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
          },
          ...commonErrors,
          '500': error('Internal Server Error: the WAL could not be written (the samples are in memory)', 'WriteErrorResponse'),
        },
      },
    },
    '/api/free/': {
      post: {
        tags: ['free'],
        summary: 'Free buffers up to a timestamp',
        description: 'Drops every chunk whose last step ends before `to` under each selector; levels left empty disappear.',
        parameters: [
          { name: 'to', in: 'query', required: true, schema: { type: 'integer', format: 'int64' }, description: 'Unix seconds' },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
              example: [['fritz', 'f0101'], ['fritz', 'f0102', 'socket0']],
            },
          },
        },
        responses: {
          '200': {
            description: 'How many chunks were freed',
            content: { 'text/plain': { schema: { type: 'string', example: 'buffers freed: 12\n' } } },
          },
          '400': error("Bad Request: 'to' missing or not an integer, or the body is not a list of selectors"),
          ...commonErrors,
        },
      },
    },
    '/api/debug/': {
      get: {
        tags: ['debug'],
        summary: 'Dump the chunk layout of a subtree',
        parameters: [
          {
            name: 'selector',
            in: 'query',
            schema: { type: 'string', example: 'fritz:f0101' },
            description: 'Levels separated by ":"; empty for the whole store',
          },
        ],
        responses: {
          '200': {
            description: 'Per metric the chain of chunks {start, len, end, saved?}, children nested by name',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          '400': error('Bad Request: no level at this selector'),
          ...commonErrors,
        },
      },
    },
    '/api/healthcheck/': {
      get: {
        tags: ['healthcheck'],
        summary: 'Monitoring state of nodes',
        description:
          'The reference form is a GET with the JSON body `{"cluster": "fritz", "nodes": ["f0101"], ' +
          '"metric-names": ["cpu_load"]}` (unknown fields are a 400). Without a body, the query parameters ' +
          'below are used; without `metric`, every configured metric is checked.',
        parameters: [
          { name: 'cluster', in: 'query', schema: { type: 'string' } },
          {
            name: 'node',
            in: 'query',
            schema: { type: 'array', items: { type: 'string' } },
            style: 'form',
            explode: true,
            description: 'Repeatable, or comma-separated',
          },
          {
            name: 'metric',
            in: 'query',
            schema: { type: 'array', items: { type: 'string' } },
            style: 'form',
            explode: true,
            description: 'Repeatable, or comma-separated; default: every configured metric',
          },
        ],
        responses: {
          '200': {
            description: 'State per node',
            content: {
              'application/json': {
                schema: { type: 'object', additionalProperties: { $ref: '#/components/schemas/HealthResult' } },
              },
            },
          },
          '400': error('Bad Request: malformed body or neither body nor cluster and node'),
          ...commonErrors,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA / Ed25519)' },
    },
    schemas: {
      ErrorResponse: {
        type: 'object',
        properties: {
          status: { type: 'string', description: 'HTTP status text', example: 'Bad Request' },
          error: { type: 'string', description: 'Error message' },
        },
      },
      WriteErrorResponse: {
        type: 'object',
        properties: {
          status: { type: 'string', description: 'HTTP status text', example: 'Bad Request' },
          error: { type: 'string', description: 'The first rejected line and why, the counts, where the parse stopped' },
          stored: { type: 'integer', description: 'Samples stored' },
          skipped: { type: 'integer', description: 'Lines of metrics that are not configured' },
          rejected: { type: 'integer', description: 'Lines whose sample was not stored' },
          reasons: {
            type: 'object',
            description: 'Rejected lines by reason',
            additionalProperties: { type: 'integer' },
            example: { 'too-old': 1, malformed: 1 },
          },
          rejectedLines: {
            type: 'array',
            description: 'The first 10 rejected lines, in line order',
            items: {
              type: 'object',
              properties: {
                line: { type: 'integer' },
                reason: { type: 'string', enum: ['malformed', 'unsafe-name', 'too-old', 'too-new', 'no-slot', 'store-full', 'too-many-hosts'] },
              },
            },
          },
        },
      },
      QueryRequest: {
        type: 'object',
        required: ['cluster', 'from', 'to'],
        properties: {
          cluster: { type: 'string' },
          from: { type: 'integer', format: 'int64', description: 'Unix seconds' },
          to: { type: 'integer', format: 'int64', description: 'Unix seconds (exclusive)' },
          queries: { type: 'array', items: { $ref: '#/components/schemas/Query' } },
          'for-all-nodes': { type: 'array', items: { type: 'string' }, description: 'Metrics to read for every host of the cluster' },
          'with-stats': { type: 'boolean', default: true },
          'with-data': { type: 'boolean', default: true },
          'with-padding': { type: 'boolean', default: true, description: 'Prepend nulls from the requested from to the first sample' },
        },
      },
      Query: {
        type: 'object',
        required: ['metric', 'host'],
        properties: {
          metric: { type: 'string' },
          host: { type: 'string' },
          type: { type: 'string', example: 'hwthread' },
          'type-ids': { type: 'array', items: { type: 'string' } },
          subtype: { type: 'string', description: 'The level below the type; without a type (ours), a device of the node such as network with subtype-ids ["eth0"]' },
          'subtype-ids': { type: 'array', items: { type: 'string' } },
          resolution: { type: 'integer', description: 'Seconds per point; a multiple of the frequency downsamples (LTTB)' },
          'scale-by': { type: 'number' },
          aggreg: { type: 'boolean', description: 'Combine all type ids into one series' },
        },
      },
      QueryResponse: {
        type: 'object',
        properties: {
          queries: { type: 'array', items: { $ref: '#/components/schemas/Query' }, description: 'Only for for-all-nodes' },
          results: { type: 'array', items: { type: 'array', items: { $ref: '#/components/schemas/MetricData' } } },
        },
      },
      MetricData: {
        type: 'object',
        properties: {
          error: { type: 'string' },
          data: { type: 'array', items: { type: 'number', nullable: true } },
          from: { type: 'integer', format: 'int64' },
          to: { type: 'integer', format: 'int64' },
          resolution: { type: 'integer' },
          avg: { type: 'number', nullable: true },
          min: { type: 'number', nullable: true },
          max: { type: 'number', nullable: true },
        },
      },
      HealthResult: {
        type: 'object',
        properties: {
          State: { type: 'string', enum: ['full', 'partial', 'failed'] },
          HealthMetrics: { type: 'string', example: '{"degraded":[],"missing":[]}' },
        },
      },
    },
  },
};

