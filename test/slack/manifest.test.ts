import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { App } from '@slack/bolt';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { loadCatalog } from '../../src/catalog';
import { loadConfig } from '../../src/config';
import type { IntegrationClient } from '../../src/integration/client';
import { createLogger } from '../../src/logger';
import { Metrics } from '../../src/metrics';
import type { Services } from '../../src/services';
import { SLACK_EVENTS_PATH } from '../../src/slack/app';
import { registerListeners, SUBCOMMANDS } from '../../src/slack/register';
import { MemoryStore } from '../../src/store/memory';

const root = path.resolve(__dirname, '..', '..');
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

// biome-ignore lint/suspicious/noExplicitAny: the manifest is checked by the schema, then read loosely
const manifest: any = parseYaml(readFileSync(path.join(root, 'manifest.yml'), 'utf8'));

function schemaValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The schema's only format; ajv-formats is not a dependency.
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  return ajv.compile(readJson(path.join(root, 'test/fixtures/slack/manifest.schema.1.0.0.json')) as object);
}

interface Registration {
  method: string;
  id: unknown;
}

/**
 * Runs the real listener registration against an App stand-in that records every call, so
 * listeners other engineers add are picked up without touching this test.
 */
function recordRegistrations(): Registration[] {
  const registrations: Registration[] = [];
  const app = new Proxy(
    {},
    {
      get: (_target, method) => (first: unknown) => {
        registrations.push({ method: String(method), id: first });
      },
    },
  ) as App;
  const logger = createLogger({ level: 'silent' });
  const services: Services = {
    config: loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token',
      SLACK_SIGNING_SECRET: 'test-signing-secret-not-real',
    }),
    catalog: loadCatalog(),
    api: { close: async () => {} } as unknown as IntegrationClient,
    store: new MemoryStore(),
    logger,
    metrics: new Metrics(),
  };
  registerListeners(app, services);
  return registrations;
}

/** Literal ids registered with `method`; a RegExp cannot be matched against the manifest, so it fails. */
function registered(registrations: Registration[], method: string, key?: string): string[] {
  return registrations
    .filter((r) => r.method === method)
    .map((r) => {
      const id =
        key && r.id && typeof r.id === 'object' && !(r.id instanceof RegExp)
          ? (r.id as Record<string, unknown>)[key]
          : r.id;
      if (typeof id !== 'string')
        throw new Error(`app.${method}(${String(id)}): manifest-backed listeners need a literal name`);
      return id;
    });
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** Bot scopes Slack documents for each Web API method the bot may call ([] when none is needed). */
const SCOPE_OF_METHOD: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'conversations.open': ['im:write'],
  'files.info': ['files:read'],
  // files.uploadV2 calls files.getUploadURLExternal and files.completeUploadExternal.
  'files.uploadV2': ['files:write'],
  'usergroups.users.list': ['usergroups:read'],
  'views.open': [],
  'views.push': [],
  'views.update': [],
  'views.publish': [],
};
const SCOPE_OF_EVENT: Record<string, string[]> = { app_mention: ['app_mentions:read'], app_home_opened: [] };

/** Every `client.<family>.<method>(` call in src/ (the Web API methods the code can reach). */
function webApiMethodsCalled(): string[] {
  const found = new Set<string>(['auth.test']);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts'))
        for (const match of readFileSync(file, 'utf8').matchAll(/\bclient\.([a-z]+(?:\.[a-zA-Z0-9]+)+)\(/g))
          found.add(match[1]!);
    }
  };
  walk(path.join(root, 'src'));
  return [...found].sort();
}

describe('manifest.yml', () => {
  it('is valid against Slack manifest schema 1.0.0', () => {
    const validate = schemaValidator();
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('uses a validator that accepts Slack’s valid example and rejects a broken manifest', () => {
    const validate = schemaValidator();
    expect(validate(readJson(path.join(root, 'test/fixtures/slack/manifest.valid.example.json')))).toBe(true);
    const broken = { ...manifest, features: { ...manifest.features, slash_commands: [{ command: 'crm' }] } };
    expect(validate(broken)).toBe(false);
  });

  it('points every Slack URL at the bot’s events endpoint', () => {
    const urls = [
      ...manifest.features.slash_commands.map((c: { url: string }) => c.url),
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      manifest.settings.interactivity.message_menu_options_url,
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
  });

  describe('agrees with the registered listeners', () => {
    const registrations = recordRegistrations();

    it('slash commands', () => {
      expect(sorted(registered(registrations, 'command'))).toEqual(
        sorted(manifest.features.slash_commands.map((c: { command: string }) => c.command)),
      );
    });

    it('shortcuts', () => {
      expect(sorted(registered(registrations, 'shortcut', 'callback_id'))).toEqual(
        sorted((manifest.features.shortcuts ?? []).map((s: { callback_id: string }) => s.callback_id)),
      );
    });

    it('bot events', () => {
      expect(sorted(registered(registrations, 'event'))).toEqual(
        sorted(manifest.settings.event_subscriptions.bot_events),
      );
      // app.message() needs message.* subscriptions, which the manifest does not request.
      expect(registrations.filter((r) => r.method === 'message')).toEqual([]);
    });

    it('interactivity', () => {
      const interactive = registrations.some((r) => ['action', 'view', 'options', 'shortcut'].includes(r.method));
      if (registrations.some((r) => r.method === 'options')) {
        expect(manifest.settings.interactivity.message_menu_options_url).toBeDefined();
      }
      if (interactive) expect(manifest.settings.interactivity.is_enabled).toBe(true);
    });

    it('the /crm usage hint names only subcommands the router knows, and every contact-search one', () => {
      const hint: string = manifest.features.slash_commands.find(
        (c: { command: string }) => c.command === '/crm',
      ).usage_hint;
      const named = hint.split('|').map((part) => part.trim().split(/\s+/)[0] ?? '');
      const words = named.filter((word) => /^[a-z]+$/.test(word));
      for (const word of words) expect(Object.keys(SUBCOMMANDS)).toContain(word);
      expect(words).toEqual(expect.arrayContaining(['status', 'diagnose', 'contact']));
    });

    it('requests exactly the bot scopes the code uses: every Web API method called, every event, commands', () => {
      const methods = webApiMethodsCalled();
      const unknown = methods.filter((m) => !(m in SCOPE_OF_METHOD));
      // A new Web API call: add it to SCOPE_OF_METHOD with the scope Slack documents for it.
      expect(unknown).toEqual([]);
      const needed = new Set(methods.flatMap((m) => SCOPE_OF_METHOD[m] ?? []));
      needed.add('commands');
      for (const event of registered(registrations, 'event'))
        for (const s of SCOPE_OF_EVENT[event] ?? []) needed.add(s);
      expect(sorted(manifest.oauth_config.scopes.bot)).toEqual(sorted(needed));
    });

    it('shows the bot’s DMs in the Messages tab, read-only, when the code opens DMs', () => {
      if (webApiMethodsCalled().includes('conversations.open')) {
        expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
        expect(manifest.features.app_home.messages_tab_read_only_enabled).toBe(true);
      }
    });

    it('requests a scope for each event it listens to', () => {
      const scopes: string[] = manifest.oauth_config.scopes.bot;
      if (registered(registrations, 'event').includes('app_mention')) expect(scopes).toContain('app_mentions:read');
      expect(scopes).toContain('commands');
    });
  });
});
