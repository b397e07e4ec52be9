import type { ChildProcess } from 'node:child_process';

export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __redis?: ChildProcess }).__redis;
  if (child && child.exitCode === null) child.kill('SIGTERM');
}
