/**
 * A Grafana dashboard (classic JSON model, provisioning-ready) for one config, querying what the
 * `prometheus` sink exports: a status row per detector, statistic and p-value over time, the run's
 * status and duration, records and skips, and — when the config computes them — latency
 * percentiles from the GenAI duration histogram, tokens/s, token usage and the success rate.
 */
export interface DashboardInput {
  name: string;
  detectors: ReadonlyArray<{ id: string; use: string }>;
  metrics: ReadonlyArray<{ id: string; use: string; options?: Record<string, unknown> }>;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; legendFormat?: string; instant?: boolean; datasource: { type: string; uid: string } }>;
  [key: string]: unknown;
}

const DS = { type: 'prometheus', uid: '${datasource}' };

/** PromQL string literal (double-quoted). */
function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const STATUS_MAPPINGS = [{
  type: 'value',
  options: {
    0: { text: 'pass', color: 'green', index: 0 },
    1: { text: 'warn', color: 'yellow', index: 1 },
    2: { text: 'fail', color: 'red', index: 2 },
    3: { text: 'error', color: 'purple', index: 3 },
  },
}];

export function grafanaDashboard(input: DashboardInput): Record<string, unknown> {
  const sel = `config=${q(input.name)}, job=~"$job"`;
  const panels: Panel[] = [];
  let id = 1;
  let y = 0;
  const row = (title: string) => {
    panels.push({ id: id++, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
    y += 1;
  };
  const target = (expr: string, legendFormat?: string, refId = 'A') => ({ refId, expr, datasource: DS, ...(legendFormat ? { legendFormat } : {}) });
  const timeseries = (title: string, targets: Panel['targets'], w: number, x: number, fieldConfig: Record<string, unknown> = {}, description?: string): Panel => ({
    id: id++, type: 'timeseries', title, datasource: DS, gridPos: { x, y, w, h: 8 }, targets, ...(description ? { description } : {}),
    fieldConfig: { defaults: { custom: { drawStyle: 'line', lineWidth: 2, pointSize: 5, showPoints: 'always', spanNulls: true }, ...fieldConfig }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
  });

  // Status: the run, then one stat per detector.
  row('Status');
  panels.push({
    id: id++, type: 'stat', title: 'Run status', datasource: DS, gridPos: { x: 0, y, w: 4, h: 4 },
    targets: [{ ...target(`max(vigia_run_status{${sel}})`), instant: true }],
    fieldConfig: { defaults: { mappings: STATUS_MAPPINGS, thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'yellow', value: 1 }, { color: 'red', value: 2 }, { color: 'purple', value: 3 }] } }, overrides: [] },
    options: { colorMode: 'background', graphMode: 'none', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, textMode: 'value' },
  });
  const perRow = 5;
  input.detectors.forEach((d, i) => {
    const col = i % perRow;
    const line = Math.floor(i / perRow);
    panels.push({
      id: id++, type: 'stat', title: d.id, description: `${d.use}: 0 pass, 1 warn, 2 fail, 3 error`, datasource: DS,
      gridPos: { x: 4 + col * 4, y: y + line * 4, w: 4, h: 4 },
      targets: [{ ...target(`max(vigia_detector_status{${sel}, detector=${q(d.id)}})`), instant: true }],
      fieldConfig: { defaults: { mappings: STATUS_MAPPINGS, thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'yellow', value: 1 }, { color: 'red', value: 2 }, { color: 'purple', value: 3 }] } }, overrides: [] },
      options: { colorMode: 'background', graphMode: 'none', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, textMode: 'value' },
    });
  });
  y += Math.max(1, Math.ceil(input.detectors.length / perRow)) * 4;

  if (input.detectors.length) {
    row('Detectors over time');
    panels.push(timeseries('Statistic', [target(`max by (detector) (vigia_detector_statistic{${sel}})`, '{{detector}}')], 12, 0, {}, "Each detector's test statistic per run."));
    panels.push(timeseries('p-value', [target(`max by (detector) (vigia_detector_p_value{${sel}})`, '{{detector}}')], 12, 12, { min: 0, max: 1 }, 'p-values (adjusted under a correction); below a detector\'s threshold means drift.'));
    y += 8;
    panels.push(timeseries('Status over time', [target(`max by (detector) (vigia_detector_status{${sel}})`, '{{detector}}')], 24, 0, { min: 0, max: 3, mappings: STATUS_MAPPINGS }, '0 pass, 1 warn, 2 fail, 3 error.'));
    y += 8;
  }

  const uses = new Set(input.metrics.map((m) => m.use));
  const latencyHist = input.metrics.some((m) => m.use === 'latency' && m.options?.histogram !== false);
  const tokensHist = input.metrics.some((m) => m.use === 'tokens' && m.options?.histogram !== false);
  if (latencyHist || uses.has('throughput') || tokensHist || uses.has('errors')) {
    row('LLM traffic');
    let x = 0;
    const place = (p: Panel) => {
      if (x + p.gridPos.w > 24) {
        x = 0;
        y += 8;
      }
      p.gridPos.x = x;
      p.gridPos.y = y;
      x += p.gridPos.w;
      panels.push(p);
    };
    if (latencyHist) {
      place(timeseries('Request latency percentiles', [0.5, 0.95, 0.99].map((p, i) => target(`histogram_quantile(${p}, sum by (le, dataset) (gen_ai_client_operation_duration_seconds_bucket{${sel}}))`, `p${p * 100} {{dataset}}`, String.fromCharCode(65 + i))), 12, 0, { unit: 's' }, 'From the gen_ai.client.operation.duration histogram (GenAI advised buckets).'));
    }
    if (uses.has('throughput')) {
      place(timeseries('Output tokens per second', [target(`max by (dataset) (vigia_throughput_output_tokens_overall_per_second{${sel}})`, '{{dataset}} overall'), target(`max by (dataset) (vigia_throughput_output_tokens_p95_per_second{${sel}})`, '{{dataset}} p95 per window', 'B')], 12, 0, { unit: 'short' }));
      place(timeseries('Requests per second', [target(`max by (dataset) (vigia_throughput_requests_overall_per_second{${sel}})`, '{{dataset}}')], 12, 0, { unit: 'reqps' }));
    }
    if (tokensHist) {
      place(timeseries('Tokens per request (mean)', [target(`sum by (gen_ai_token_type, dataset) (gen_ai_client_token_usage_sum{${sel}}) / sum by (gen_ai_token_type, dataset) (gen_ai_client_token_usage_count{${sel}})`, '{{gen_ai_token_type}} {{dataset}}')], 12, 0));
    }
    if (uses.has('errors')) {
      place(timeseries('Success rate', [target(`1 - max by (dataset) (vigia_request_error_rate_ratio{${sel}})`, '{{dataset}}')], 12, 0, { unit: 'percentunit', min: 0, max: 1 }));
    }
    y += 8;
  }

  row('Data and run');
  panels.push(timeseries('Records read', [target(`max by (dataset) (vigia_dataset_records{${sel}})`, '{{dataset}}')], 8, 0));
  panels.push(timeseries('Records skipped', [target(`max by (dataset) (vigia_dataset_skipped_records{${sel}})`, '{{dataset}}')], 8, 8, {}, 'Invalid records skipped under onInvalid: skip.'));
  panels.push(timeseries('Run duration', [target(`max(vigia_run_duration_seconds{${sel}})`, 'duration')], 8, 16, { unit: 's' }));
  y += 8;

  return {
    title: `Vigia: ${input.name}`,
    uid: `vigia-${input.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 40),
    tags: ['vigia', 'llm'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '1m',
    time: { from: 'now-7d', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, options: [] },
        { name: 'job', label: 'Job', type: 'query', datasource: DS, query: { query: `label_values(vigia_run_status{config=${q(input.name)}}, job)`, refId: 'job' }, definition: `label_values(vigia_run_status{config=${q(input.name)}}, job)`, includeAll: true, allValue: '.*', multi: true, current: { text: 'All', value: '$__all' }, refresh: 2, hide: 0, options: [] },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** Every PromQL expression of a dashboard (for tests and `--check`). */
export function dashboardQueries(dashboard: Record<string, unknown>): Array<{ panel: string; expr: string }> {
  return (dashboard.panels as Panel[]).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

/** Grafana file provisioning for dashboards in `path` (`/etc/grafana/provisioning/dashboards/vigia.yaml`). */
export function provisioningYaml(path = '/var/lib/grafana/dashboards/vigia'): string {
  return `# Grafana dashboard provisioning: put this file in /etc/grafana/provisioning/dashboards/
# and the dashboards written by \`vigia dashboard CONFIG --out ${path}/<name>.json\` in ${path}.
apiVersion: 1
providers:
  - name: vigia
    folder: Vigia
    type: file
    disableDeletion: false
    allowUiUpdates: true
    updateIntervalSeconds: 60
    options:
      path: ${path}
      foldersFromFilesStructure: false
`;
}
