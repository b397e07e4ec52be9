import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The help text of every series, by its Prometheus name: one table, so a series cannot be created
 * without saying what it counts.
 */
const HELP = {
  crm_bot_inbound_requests_total:
    'Slack requests received, by kind (slash_command, block_actions, view_submission, event_callback, ...) and outcome',
  crm_bot_ack_latency_seconds: 'Time from receiving a Slack request to acknowledging it (Slack allows 3 s)',
  crm_bot_integration_api_calls_total:
    'Integration API (and Carestack) HTTP attempts, by route template and status (or the failure code)',
  crm_bot_integration_api_call_duration_seconds: 'Duration of one integration API attempt, by route template',
  crm_bot_writes_total:
    'Writes through the write pipeline, by operation and outcome (succeeded, failed, unknown, refused)',
  crm_bot_slack_api_errors_total:
    'Slack Web API calls that failed, by method and Slack error code (or http_<status>, timeout, request_failed)',
  crm_bot_store_errors_total: 'Store operations that failed, by operation',
  crm_bot_bulk_rows_total: 'Bulk rows settled, by outcome (done, failed)',
} as const;
type SeriesName = keyof typeof HELP;

/** Histogram buckets in seconds: acks around Slack's 3 s limit, API attempts up to 15 s. */
const ACK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];
const API_CALL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/**
 * The bot's Prometheus series, served at GET /metrics. Each instance has its own Registry (no global
 * default registry), so several bots in one process (tests) never share or collide on series.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly inboundRequests = this.counter('crm_bot_inbound_requests_total', ['kind', 'outcome']);
  readonly ackLatency = this.histogram('crm_bot_ack_latency_seconds', ['kind'], ACK_BUCKETS);
  readonly apiCalls = this.counter('crm_bot_integration_api_calls_total', ['route', 'status']);
  readonly apiCallDuration = this.histogram(
    'crm_bot_integration_api_call_duration_seconds',
    ['route'],
    API_CALL_BUCKETS,
  );
  readonly writes = this.counter('crm_bot_writes_total', ['operation', 'outcome']);
  readonly slackApiErrors = this.counter('crm_bot_slack_api_errors_total', ['method', 'code']);
  readonly storeErrors = this.counter('crm_bot_store_errors_total', ['operation']);
  readonly bulkRows = this.counter('crm_bot_bulk_rows_total', ['outcome']);

  private counter<L extends string>(name: SeriesName, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help: HELP[name], labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: SeriesName, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help: HELP[name], labelNames, buckets, registers: [this.registry] });
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Feeds IntegrationClient attempts into the metrics (IntegrationClientOptions.observe). */
export function observeApiAttempt(metrics: Metrics) {
  return (attempt: { route: string; status: string; durationMs: number }): void => {
    metrics.apiCalls.inc({ route: attempt.route, status: attempt.status });
    metrics.apiCallDuration.observe({ route: attempt.route }, attempt.durationMs / 1000);
  };
}
