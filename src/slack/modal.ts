import type { AllMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../logger';

type SlackClient = AllMiddlewareArgs['client'];
type ModalView = Parameters<SlackClient['views']['update']>[0] & { view_id: string };

/**
 * Replaces an open modal's content once slow work (an API read, a log search) has its answer. The user may
 * have submitted or closed it meanwhile: Slack then answers `not_found`, which is no failure to report (a
 * "try again" would invite a second run), so it is logged at debug and the update dropped. Other errors throw.
 */
export async function updateOpenModal(client: SlackClient, update: ModalView, log: Logger): Promise<void> {
  try {
    await client.views.update(update);
  } catch (err) {
    if (!isModalGone(err)) throw err;
    log.debug({ viewId: update.view_id }, 'The modal was closed before its answer came; not updated');
  }
}

/** Slack's answer to views.update for a view that no longer exists (submitted or closed). */
function isModalGone(err: unknown): boolean {
  const e = err as { code?: unknown; data?: { error?: unknown } } | undefined;
  return e?.code === 'slack_webapi_platform_error' && e.data?.error === 'not_found';
}
