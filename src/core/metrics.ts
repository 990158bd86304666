import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What a cloud client reports about each call it made. */
export type CloudCallObserver = (call: {
  service: 'DMS' | 'CTS';
  action: string;
  outcome: 'ok' | 'error' | 'business_error' | 'malformed';
  ms: number;
}) => void;

/** The bot's Prometheus metrics, on a registry of its own (no global state: tests build as many apps as they like). */
export class Metrics {
  readonly registry = new Registry();
  readonly ticketsCreated = new Counter({
    name: 'chatops_tickets_created_total',
    help: 'Tickets filed from Slack, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly cloudCalls = new Counter({
    name: 'chatops_cloud_calls_total',
    help: 'Cloud API calls by service, action and outcome',
    labelNames: ['service', 'action', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly cloudLatency = new Histogram({
    name: 'chatops_cloud_call_duration_seconds',
    help: 'Cloud API call latency by service and action',
    labelNames: ['service', 'action'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly slackErrors = new Counter({
    name: 'chatops_slack_api_errors_total',
    help: 'Slack Web API calls that failed, by method and error',
    labelNames: ['method', 'error'] as const,
    registers: [this.registry],
  });
  readonly slackRateLimited = new Counter({
    name: 'chatops_slack_rate_limited_total',
    help: 'Slack answers of HTTP 429 the client waited out',
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'chatops_ack_duration_seconds',
    help: 'Time from a Slack request arriving to its acknowledgement (HTTP mode)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
    registers: [this.registry],
  });
  readonly shedRequests = new Counter({
    name: 'chatops_requests_shed_total',
    help: 'Slash commands answered "busy" because MAX_IN_FLIGHT requests were being handled',
    registers: [this.registry],
  });
  readonly watcherQueue = new Gauge({
    name: 'chatops_watcher_queue_size',
    help: 'Followed tickets due for a status check now',
    registers: [this.registry],
  });
  readonly watcherLag = new Gauge({
    name: 'chatops_watcher_lag_seconds',
    help: 'How late the most overdue status check is (now minus its due time; 0 when none is overdue)',
    registers: [this.registry],
  });
  readonly pushEvents = new Counter({
    name: 'chatops_push_events_total',
    help: 'Cloud pushes received (DMS webhook, CTS via SMN), by source and what became of each',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly pushLag = new Histogram({
    name: 'chatops_push_to_post_seconds',
    help: 'From a push arriving to the thread reply it led to (pushes whose check found a change)',
    labelNames: ['source'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly watcherInFlight = new Gauge({
    name: 'chatops_watcher_in_flight',
    help: 'Tickets being checked right now by this replica',
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Feeds the cloud call counters and histogram. */
  readonly cloudCall: CloudCallObserver = ({ service, action, outcome, ms }) => {
    this.cloudCalls.inc({ service, action, outcome });
    this.cloudLatency.observe({ service, action }, ms / 1000);
  };
}
