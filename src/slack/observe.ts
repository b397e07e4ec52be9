import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

/** Safe-to-log facts about a Slack request: kind and ids, never field values typed by users. */
export function describeRequest(body: unknown): Record<string, string | undefined> {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const view = (b.view ?? {}) as Record<string, unknown>;
  const actions = Array.isArray(b.actions) ? (b.actions as Array<Record<string, unknown>>) : [];
  const event = (b.event ?? {}) as Record<string, unknown>;
  return {
    kind: str(b.command) ? 'slash_command' : (str(b.type) ?? 'unknown'),
    command: str(b.command),
    callbackId: str(b.callback_id) ?? str(view.callback_id),
    actionId: str(actions[0]?.action_id) ?? str(b.action_id),
    event: str(event.type),
    user: str(b.user_id) ?? str((b.user as Record<string, unknown> | undefined)?.id) ?? str(event.user),
  };
}

/** What is known about the Slack request being handled; listeners' logs can carry its id. */
export interface RequestContext {
  id: string;
  /** Set by the error boundary: the listener failed (error) or refused what the user asked (refused). */
  failure?: 'error' | 'refused';
  /** Set by the error boundary from the payload Bolt parsed, so the log line need not parse the body again. */
  request?: Record<string, string | undefined>;
  /** True once the HTTP response (the ack) has been sent. */
  answered?: () => boolean;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** Slack's X-Slack-Request-Timestamp plus a short random part: sortable, and unique enough to grep for. */
export function newRequestId(timestampHeader: string | string[] | undefined): string {
  const stamp = typeof timestampHeader === 'string' && /^\d+$/.test(timestampHeader) ? timestampHeader : 'nots';
  // Math.random, not crypto: the id needs no secrecy, and this runs before every ack.
  return `${stamp}-${Math.floor(Math.random() * 0x1000000)
    .toString(16)
    .padStart(6, '0')}`;
}

/**
 * One info line per inbound Slack request, written when it is acknowledged (the HTTP response is sent):
 * request id, kind, command/action/callback id, user, ack latency and outcome. Counted in the metrics too.
 * A listener that fails after the ack logs its own error line with the same request id.
 */
export function logWhenAcked(
  req: IncomingMessage,
  res: ServerResponse,
  context: RequestContext,
  describe: () => Record<string, string | undefined>,
  log: Logger,
  metrics: Metrics,
): void {
  const started = performance.now();
  res.once('finish', () => {
    const ackMs = performance.now() - started;
    const request = describe();
    const kind = request.kind ?? 'unknown';
    const outcome = outcomeOf(res.statusCode, context);
    metrics.inboundRequests.inc({ kind, outcome });
    metrics.ackLatency.observe({ kind }, ackMs / 1000);
    log.info(
      {
        requestId: context.id,
        ...request,
        ackMs: Math.round(ackMs),
        status: res.statusCode,
        outcome,
        ...(req.headers['x-slack-retry-num'] ? { retryNum: String(req.headers['x-slack-retry-num']) } : {}),
      },
      'slack request',
    );
  });
}

function outcomeOf(status: number, context: RequestContext): string {
  if (status >= 500) return 'error';
  if (status === 401) return 'unauthorized';
  if (status >= 400) return 'rejected';
  return context.failure ?? 'ok';
}

/**
 * The Web API client's fetch, observed: every Slack call logged at debug (method, status, duration; the URL
 * carries no token, which travels in a header) and failures counted by method and Slack's error code.
 */
export function observedFetch(log: Logger, metrics: Metrics): typeof fetch {
  // Bound once, as the Web client binds its default: later patches of the global fetch do not apply.
  const baseFetch = globalThis.fetch;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = slackMethod(url);
    const started = performance.now();
    try {
      const response = await baseFetch(input, init);
      const ms = Math.round(performance.now() - started);
      log.debug({ slackMethod: method, status: response.status, ms }, 'slack api call');
      if (response.status !== 200) metrics.slackApiErrors.inc({ method, code: `http_${response.status}` });
      else if (response.headers.get('content-type')?.includes('application/json')) {
        // Slack answers errors with HTTP 200 and { ok: false, error }; read a copy, the client reads the original.
        void response
          .clone()
          .json()
          .then((json: unknown) => {
            const body = json as { ok?: unknown; error?: unknown } | null;
            if (body?.ok === false) metrics.slackApiErrors.inc({ method, code: String(body.error ?? 'unknown') });
          })
          .catch(() => {});
      }
      return response;
    } catch (error) {
      const name = (error as { name?: string }).name;
      const code = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'request_failed';
      log.debug({ slackMethod: method, ms: Math.round(performance.now() - started), error: code }, 'slack api call');
      metrics.slackApiErrors.inc({ method, code });
      throw error;
    }
  };
}

/** `chat.postMessage` from https://slack.com/api/chat.postMessage; upload URLs (files.slack.com/...) are 'upload'. */
function slackMethod(url: string): string {
  try {
    const { pathname } = new URL(url);
    const match = /\/api\/([a-zA-Z0-9._]+)$/.exec(pathname);
    return match?.[1] ?? 'upload';
  } catch {
    return 'unknown';
  }
}
