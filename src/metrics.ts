import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The bot's Prometheus series, served at GET /metrics. Each instance has its own Registry (no global
 * default registry), so several bots in one process (tests) never share or collide on series.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly inboundRequests = new Counter({
    name: 'crm_bot_inbound_requests_total',
    help: 'Slack requests received, by kind (slash_command, block_actions, view_submission, event_callback, ...) and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly ackLatency = new Histogram({
    name: 'crm_bot_ack_latency_seconds',
    help: 'Time from receiving a Slack request to acknowledging it (Slack allows 3 s)',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });

  readonly apiCalls = new Counter({
    name: 'crm_bot_integration_api_calls_total',
    help: 'Integration API (and Carestack) HTTP attempts, by route template and status (or the transport error code)',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  readonly apiCallDuration = new Histogram({
    name: 'crm_bot_integration_api_call_duration_seconds',
    help: 'Duration of one integration API attempt, by route template',
    labelNames: ['route'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [this.registry],
  });

  readonly writes = new Counter({
    name: 'crm_bot_writes_total',
    help: 'Writes through the write pipeline, by operation and outcome (succeeded, failed, unknown, refused)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly slackApiErrors = new Counter({
    name: 'crm_bot_slack_api_errors_total',
    help: 'Slack Web API calls that failed, by method and Slack error code (or HTTP status / transport error)',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });

  readonly storeErrors = new Counter({
    name: 'crm_bot_store_errors_total',
    help: 'Store operations that failed, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly bulkRows = new Counter({
    name: 'crm_bot_bulk_rows_total',
    help: 'Bulk rows settled, by outcome (done, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

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
