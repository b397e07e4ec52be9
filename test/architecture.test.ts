import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The layout rules (README "Architecture"), checked over the source text and its import graph:
 * 1. A flow's service side (every file of src/flows/<flow>/ except listeners.ts and views.ts) imports
 *    nothing from Slack: no `@slack/*`, nothing under src/slack/ (ids.ts may take the shared ids), and
 *    no views.ts or listeners.ts of any flow.
 * 2. No file outside src/flows/<flow>/ imports that flow's listeners.ts, except src/slack/register.ts:
 *    the one place every flow is wired into the app (a flow that needs another flow's Slack answers
 *    gets them passed in by register.ts, as diagnose gets contact's).
 * 3. Action, callback and block ids are spelled in an ids.ts (a flow's, or src/slack/blocks/ids.ts for
 *    the shared ones) and nowhere else: no id is spelled in two ids.ts files; no other file writes a
 *    string literal where Slack reads an id (action_id/block_id/callback_id, app.action/view/options/
 *    shortcut) nor repeats an id an ids.ts spells. Ids that are plain words (`crm`, `business`) are the
 *    same words as data elsewhere (a step, a field), so only the first two checks can see them.
 * Each checker is pure over {file, text}; the synthetic cases below show that each one catches its violation.
 */

interface Source {
  /** Path from the project root, with forward slashes: `src/flows/status/service.ts`. */
  file: string;
  text: string;
}

const ROOT = path.resolve(__dirname, '..');

function readSources(dir: string): Source[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return readSources(rel);
    return entry.name.endsWith('.ts') ? [{ file: rel, text: readFileSync(path.join(ROOT, rel), 'utf8') }] : [];
  });
}

/** Comments removed (a `//` after `:` is a URL, kept), so that prose never counts as code. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** What a file imports: package names as written, project files as root-relative paths (`.ts` added). */
function importsOf(source: Source, files: ReadonlySet<string>): string[] {
  const specifiers = [
    ...code(source.text).matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g),
    ...code(source.text).matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g),
    ...code(source.text).matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1]!);
  return specifiers.map((specifier) => {
    if (!specifier.startsWith('.')) return specifier;
    const base = path.posix.join(path.posix.dirname(source.file), specifier);
    return [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => files.has(candidate)) ?? `${base}.ts`;
  });
}

const FLOW_FILE = /^src\/flows\/([^/]+)\/([^/]+)\.ts$/;
const isSlackGlue = (file: string) => /^src\/flows\/[^/]+\/(listeners|views)\.ts$/.test(file);
const isIds = (file: string) => /(^|\/)ids\.ts$/.test(file);

function serviceSideViolations(sources: readonly Source[]): string[] {
  const files = new Set(sources.map((s) => s.file));
  return sources.flatMap((source) => {
    const flowFile = FLOW_FILE.exec(source.file);
    if (!flowFile || isSlackGlue(source.file)) return [];
    return importsOf(source, files)
      .filter(
        (target) =>
          target.startsWith('@slack/') ||
          isSlackGlue(target) ||
          (target.startsWith('src/slack/') && !(isIds(source.file) && target === 'src/slack/blocks/ids.ts')),
      )
      .map((target) => `${source.file} imports ${target}`);
  });
}

const REGISTER = 'src/slack/register.ts';

function listenerImportViolations(sources: readonly Source[]): string[] {
  const files = new Set(sources.map((s) => s.file));
  return sources.flatMap((source) => {
    if (source.file === REGISTER) return [];
    const ownFlow = FLOW_FILE.exec(source.file)?.[1];
    return importsOf(source, files)
      .filter((target) => {
        const flow = /^src\/flows\/([^/]+)\/listeners\.ts$/.exec(target)?.[1];
        return flow !== undefined && flow !== ownFlow;
      })
      .map((target) => `${source.file} imports ${target}`);
  });
}

/**
 * String literals and the fixed start of template literals (`lookup_input_${i}` gives `lookup_input_`),
 * read by a small scanner that skips comments and the code inside `${…}`.
 */
function literals(text: string): string[] {
  const found: string[] = [];
  let i = 0;
  const quoted = (quote: string) => {
    let value = '';
    for (i++; i < text.length && text[i] !== quote && text[i] !== '\n'; i++) {
      if (text[i] === '\\') i++;
      value += text[i];
    }
    i++;
    return value;
  };
  const template = (): void => {
    let head = '';
    let inHead = true;
    for (i++; i < text.length && text[i] !== '`'; ) {
      if (text[i] === '\\') {
        i += 2;
      } else if (text.startsWith('${', i)) {
        inHead = false;
        i += 2;
        for (let depth = 1; i < text.length && depth > 0; ) {
          const c = text[i]!;
          if (c === "'" || c === '"') quoted(c);
          else if (c === '`') template();
          else {
            if (c === '{') depth++;
            if (c === '}') depth--;
            i++;
          }
        }
      } else {
        if (inHead) head += text[i];
        i++;
      }
    }
    i++;
    if (head) found.push(head);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (text.startsWith('//', i)) i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (text.startsWith('/*', i)) i = text.indexOf('*/', i) < 0 ? text.length : text.indexOf('*/', i) + 2;
    else if (c === "'" || c === '"') {
      const value = quoted(c);
      if (value) found.push(value);
    } else if (c === '`') template();
    else i++;
  }
  return found;
}

/** What `typeof` answers: an ids.ts helper that checks a parsed value spells these, and they are no ids. */
const TYPE_NAMES = new Set(['string', 'number', 'boolean', 'object', 'undefined', 'function', 'bigint', 'symbol']);

/** The ids an ids.ts spells: its literals other than import paths, separators (`|`) and type names. */
function idsIn(source: Source): string[] {
  const withoutImports = source.text.replace(/^\s*(import|export)\s[^;]*?from\s*['"][^'"]+['"];?/gm, '');
  return literals(withoutImports).filter(
    (value) => /[a-z]/i.test(value) && !/\s/.test(value) && !TYPE_NAMES.has(value),
  );
}

/** Not a plain lowercase word: `status_add_location`, `loc|`, `lookup_input_` can only be ids. */
const distinctive = (id: string) => /[^a-z]/.test(id);

/** Where Slack reads an id: a property, a comparison with one, or what a Bolt listener is registered for. */
const ID_POSITIONS = [
  /\b(?:action_id|block_id|callback_id)\s*:\s*(['"]|`[^$])/,
  /\b(?:action_id|block_id|callback_id)\s*(?:===|!==|==|!=)\s*['"`]/,
  /\b(?:action_id|block_id|callback_id)\??\.(?:startsWith|endsWith|includes)\(\s*['"`]/,
  /\.(?:action|view|options|shortcut)(?:<[^>]*>)?\(\s*(?:['"`/]|\{\s*(?:action_id|block_id|callback_id)\s*:\s*['"`/])/,
];

function idViolations(sources: readonly Source[]): string[] {
  const spelledIn = new Map<string, Set<string>>();
  for (const source of sources.filter((s) => isIds(s.file))) {
    for (const id of idsIn(source)) spelledIn.set(id, (spelledIn.get(id) ?? new Set()).add(source.file));
  }
  const problems: string[] = [];
  for (const [id, files] of spelledIn) {
    if (files.size > 1) problems.push(`id '${id}' is spelled in ${[...files].sort().join(' and ')}`);
  }
  for (const source of sources.filter((s) => !isIds(s.file))) {
    const lines = code(source.text).split('\n');
    lines.forEach((line, index) => {
      if (ID_POSITIONS.some((position) => position.test(line))) {
        problems.push(`${source.file}:${index + 1} spells an id outside ids.ts: ${line.trim()}`);
      }
    });
    for (const literal of new Set(literals(source.text))) {
      if (distinctive(literal) && spelledIn.has(literal)) {
        problems.push(`${source.file} repeats '${literal}' from ${[...spelledIn.get(literal)!].join(', ')}`);
      }
    }
  }
  return problems;
}

const sources = readSources('src');

describe('the layout rules hold in src/', () => {
  it('reads the whole tree', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(sources.filter((s) => /^src\/flows\/[^/]+\/service\.ts$/.test(s.file)).length).toBeGreaterThanOrEqual(10);
  });

  it("a flow's service side imports nothing from Slack, and no views.ts or listeners.ts", () => {
    expect(serviceSideViolations(sources)).toEqual([]);
  });

  it("only the flow itself and src/slack/register.ts import a flow's listeners.ts", () => {
    expect(listenerImportViolations(sources)).toEqual([]);
  });

  it('every action, callback and block id is spelled once, in an ids.ts', () => {
    expect(idViolations(sources)).toEqual([]);
  });
});

describe('each checker catches its violation', () => {
  const source = (file: string, text: string): Source => ({ file, text });

  it('a service importing Slack, a view or a listener', () => {
    expect(
      serviceSideViolations([
        source('src/flows/a/service.ts', "import type { App } from '@slack/bolt';\nimport { x } from './views';"),
        source('src/flows/a/views.ts', ''),
        source(
          'src/flows/a/fix.ts',
          "import {\n  y,\n} from '../b/listeners';\nimport { section } from '../../slack/blocks';",
        ),
        source('src/flows/b/listeners.ts', ''),
        source('src/slack/blocks/index.ts', ''),
        source('src/flows/a/ids.ts', "import { VALUE_ACTION } from '../../slack/blocks/ids';"),
        source('src/slack/blocks/ids.ts', ''),
      ]),
    ).toEqual([
      'src/flows/a/service.ts imports @slack/bolt',
      'src/flows/a/service.ts imports src/flows/a/views.ts',
      'src/flows/a/fix.ts imports src/flows/b/listeners.ts',
      'src/flows/a/fix.ts imports src/slack/blocks/index.ts',
    ]);
  });

  it("another flow or module importing a flow's listeners (register.ts may)", () => {
    expect(
      listenerImportViolations([
        source('src/flows/a/listeners.ts', "import { b } from '../b/listeners';"),
        source('src/flows/b/listeners.ts', "import { own } from './listeners';"),
        source('src/slack/app.ts', "export { a } from '../flows/a/listeners';"),
        source(REGISTER, "import { a } from '../flows/a/listeners';"),
      ]),
    ).toEqual([
      'src/flows/a/listeners.ts imports src/flows/b/listeners.ts',
      'src/slack/app.ts imports src/flows/a/listeners.ts',
    ]);
  });

  it('an id spelled twice, written where Slack reads one, or repeated outside ids.ts', () => {
    expect(
      idViolations([
        source(
          'src/flows/a/ids.ts',
          `export const A = { go: 'a_go', field: 'business', row: (i: number) => \`a_row_\${i}\` };`,
        ),
        source('src/flows/b/ids.ts', "export const B = { go: 'a_go' }; // 'not_an_id' in a comment"),
        source(
          'src/flows/a/views.ts',
          `const x = { action_id: 'inline_id' };\nconst y = \`a_row_\${n}\`;\nconst z = 'business';`,
        ),
        source('src/flows/a/listeners.ts', "app.action('a_go', handler);\napp.view(A.go, handler);"),
        source('src/flows/a/service.ts', "return { field: 'a_go' }; // not_an_id"),
      ]),
    ).toEqual([
      "id 'a_go' is spelled in src/flows/a/ids.ts and src/flows/b/ids.ts",
      "src/flows/a/views.ts:1 spells an id outside ids.ts: const x = { action_id: 'inline_id' };",
      "src/flows/a/views.ts repeats 'a_row_' from src/flows/a/ids.ts",
      "src/flows/a/listeners.ts:1 spells an id outside ids.ts: app.action('a_go', handler);",
      "src/flows/a/listeners.ts repeats 'a_go' from src/flows/a/ids.ts, src/flows/b/ids.ts",
      "src/flows/a/service.ts repeats 'a_go' from src/flows/a/ids.ts, src/flows/b/ids.ts",
    ]);
  });
});
