import type { KnownBlock, View } from '../../slack/blocks';
import { BULK_ACTIONS, BULK_BLOCKS, BULK_LAYOUT_BLOCKS, BULK_MODAL } from './ids';
import type { DryRunSummary, ProgressView } from './service';

/** Pure Block Kit builders for bulk onboarding. No I/O here. */

/** Slack's limit for a plain_text_input. */
export const PASTE_MAX_CHARS = 3000;
export const ERRORS_SHOWN = 20;
/** Slack's limit for a section block's text. */
const SECTION_MAX_CHARS = 3000;

export interface BulkModalMetadata {
  enterpriseId: string;
  channel: string;
  threadTs?: string;
}

export function buildBulkModal(input: {
  metadata: BulkModalMetadata;
  crms: ReadonlyArray<{ id: string; name: string }>;
  /** What getGroups found, or that it is still reading. */
  groupsNote: string;
}): View {
  return {
    type: 'modal',
    callback_id: BULK_MODAL,
    private_metadata: JSON.stringify(input.metadata),
    title: { type: 'plain_text', text: 'Bulk onboarding' },
    submit: { type: 'plain_text', text: 'Check (dry run)' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Add many locations of enterprise *${input.metadata.enterpriseId}* to an existing integration group. Nothing is sent until you confirm the dry-run summary.`,
        },
      },
      {
        type: 'input',
        block_id: BULK_BLOCKS.crm,
        label: { type: 'plain_text', text: 'CRM' },
        element: {
          type: 'static_select',
          action_id: BULK_ACTIONS.value,
          placeholder: { type: 'plain_text', text: 'Choose the CRM' },
          options: input.crms.map((crm) => ({ text: { type: 'plain_text', text: crm.name }, value: crm.id })),
        },
      },
      {
        type: 'actions',
        block_id: BULK_LAYOUT_BLOCKS.template,
        elements: [
          {
            type: 'button',
            action_id: BULK_ACTIONS.template,
            text: { type: 'plain_text', text: 'Download template' },
          },
        ],
      },
      {
        type: 'input',
        block_id: BULK_BLOCKS.group,
        optional: true,
        label: { type: 'plain_text', text: 'Existing group ID' },
        hint: {
          type: 'plain_text',
          text: 'Leave empty to read it from the enterprise. Bulk only adds locations: create the group first with the setup flow if there is none.',
        },
        element: { type: 'plain_text_input', action_id: BULK_ACTIONS.value },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: input.groupsNote }] },
      {
        type: 'input',
        block_id: BULK_BLOCKS.table,
        optional: true,
        label: { type: 'plain_text', text: 'Locations table' },
        hint: {
          type: 'plain_text',
          text: `Paste from a spreadsheet or CSV: a header line ("business id" and the CRM's location columns), then one line per location. Up to ${PASTE_MAX_CHARS} characters; upload a file for more.`,
        },
        element: { type: 'plain_text_input', action_id: BULK_ACTIONS.value, multiline: true },
      },
      {
        type: 'input',
        block_id: BULK_BLOCKS.file,
        optional: true,
        label: { type: 'plain_text', text: 'Or a CSV file' },
        element: { type: 'file_input', action_id: BULK_ACTIONS.value, filetypes: ['csv', 'tsv', 'txt'], max_files: 1 },
      },
    ],
  };
}

export function buildDryRunMessage(s: DryRunSummary): { text: string; blocks: KnownBlock[] } {
  if (s.tableProblems.length > 0) {
    const text = `Bulk onboarding: the table cannot be used.\n${s.tableProblems.map((p) => `• ${p}`).join('\n')}`;
    // A file's header can name hundreds of unknown columns; Slack rejects section text over 3000 characters.
    const shown = text.length > SECTION_MAX_CHARS ? `${text.slice(0, SECTION_MAX_CHARS - 1)}…` : text;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: shown } }] };
  }
  const text = `Dry run for enterprise ${s.enterpriseId} (${s.crmName}, group ${s.groupId}): ${s.validCount} rows valid, ${s.invalidCount} invalid. Nothing has been sent.`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          s.validCount > 0
            ? `Confirm creates ${s.validCount} ${s.crmName} location mapping${s.validCount === 1 ? '' : 's'} in group ${s.groupId}.${s.invalidCount > 0 ? ' Invalid rows are skipped: fix them and run bulk again for those.' : ''}`
            : 'No row is valid, so there is nothing to send.',
      },
    },
  ];
  const shown = s.problemLines.slice(0, ERRORS_SHOWN);
  if (shown.length > 0) {
    const more =
      s.totalProblems > shown.length ? `\n…and ${s.totalProblems - shown.length} more in the errors CSV.` : '';
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Problems*\n${shown.map((l) => `• ${l}`).join('\n')}${more}` },
    });
  }
  if (s.curlPreview) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*First mapping* (secrets masked)\n\`\`\`${s.curlPreview.slice(0, 2800)}\`\`\`` },
    });
  }
  const buttons: KnownBlock = {
    type: 'actions',
    block_id: BULK_LAYOUT_BLOCKS.dryRun,
    elements: [
      ...(s.validCount > 0
        ? [
            {
              type: 'button' as const,
              action_id: BULK_ACTIONS.confirm,
              style: 'primary' as const,
              value: s.runId,
              text: { type: 'plain_text' as const, text: `Create ${s.validCount} mappings` },
            },
          ]
        : []),
      {
        type: 'button',
        action_id: BULK_ACTIONS.discard,
        value: s.runId,
        text: { type: 'plain_text', text: 'Discard' },
      },
    ],
  };
  blocks.push(buttons);
  return { text, blocks };
}

export function progressBar(settled: number, total: number, width = 20): string {
  const ratio = total === 0 ? 1 : Math.min(1, settled / total);
  const filled = Math.round(ratio * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.floor(ratio * 100)}%`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}

const STATUS_WORDS: Record<ProgressView['status'], string> = {
  running: 'Creating mappings',
  cancelling: 'Cancelling: finishing the rows in flight',
  cancelled: 'Cancelled',
  finished: 'Finished',
  interrupted: 'Interrupted (the bot restarted)',
  needs_secrets: 'Paused: secret values must be given again',
};

export function buildProgressMessage(p: ProgressView): { text: string; blocks: KnownBlock[] } {
  const counts = `done ${p.done} · failed ${p.failed} · left ${p.left} of ${p.total}`;
  const timing = [`elapsed ${formatDuration(p.elapsedMs)}`];
  if (p.status === 'running' && p.etaMs !== undefined) timing.push(`about ${formatDuration(p.etaMs)} left`);
  if (p.status === 'running' && p.pausedUntil) timing.push('paused: the integration API asked us to slow down');
  const text = `${STATUS_WORDS[p.status]}: ${counts}`;
  const lines = [
    `*${STATUS_WORDS[p.status]}*`,
    `\`${progressBar(p.done + p.failed, p.total)}\``,
    counts,
    timing.join(' · '),
  ];
  if (p.note) lines.push(p.note);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }];
  const button = (action_id: string, label: string, style?: 'primary' | 'danger') => ({
    type: 'button' as const,
    action_id,
    value: p.runId,
    text: { type: 'plain_text' as const, text: label },
    ...(style ? { style } : {}),
  });
  const elements =
    p.status === 'running'
      ? [button(BULK_ACTIONS.cancel, 'Cancel', 'danger')]
      : p.status === 'interrupted' || (p.status === 'cancelled' && p.left > 0)
        ? [button(BULK_ACTIONS.resume, 'Resume', 'primary')]
        : p.status === 'finished' && p.failed > 0
          ? [button(BULK_ACTIONS.retryFailed, `Retry ${p.failed} failed rows`, 'primary')]
          : [];
  if (elements.length > 0) blocks.push({ type: 'actions', block_id: BULK_LAYOUT_BLOCKS.progress, elements });
  return { text, blocks };
}
