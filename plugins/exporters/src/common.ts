/** Option schemas shared by the network exporters. */
export const deliveryOptions = {
  timeoutMs: { type: 'integer', minimum: 100, maximum: 300000, default: 10000, description: 'Time limit of each network call in milliseconds; a call that takes longer counts as failed (and is retried).' },
  retries: { type: 'integer', minimum: 0, maximum: 10, default: 2, description: 'Extra attempts after a failed call (network error, timeout, HTTP 408, 429 or 5xx), with exponential backoff.' },
  backoffMs: { type: 'integer', minimum: 0, maximum: 60000, default: 500, description: 'Delay before the first retry in milliseconds; doubled on each further retry (±20% jitter).' },
} as const;

export const headersOption = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'Extra HTTP headers (e.g. `Authorization: Bearer ${env:TOKEN}`); values are never logged or written to reports.',
} as const;

export const basicAuthOption = {
  type: 'object',
  properties: {
    username: { type: 'string', description: 'User (e.g. the Grafana Cloud instance id).' },
    password: { type: 'string', description: 'Password or API token; use `${env:NAME}`.' },
  },
  required: ['username', 'password'],
  additionalProperties: false,
  description: 'HTTP basic authentication (Grafana Cloud, Last9, Mimir behind a gateway).',
} as const;
