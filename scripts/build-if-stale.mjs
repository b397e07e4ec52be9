// `npm start` runs the compiled entry (dist/src/main.js). This runs before it (prestart): it compiles
// only when dist/ is missing or older than a source or build setting, so a fresh clone's first
// `npm install && npm start` builds once and later starts cost a few file stats.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const entry = path.join(root, 'dist', 'src', 'main.js');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestMtime(target) {
  const info = statSync(target, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, name)));
  return newest;
}

const built = statSync(entry, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));
if (built > sources) process.exit(0);

process.stderr.write('dist/ is missing or older than src/: compiling (npm run build)\n');
// Outputs of deleted sources must not linger in dist/.
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
