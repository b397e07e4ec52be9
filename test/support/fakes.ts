import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, type Logger } from '../../src/logger';

/** A recorded integration API answer from test/fixtures/responses. */
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'responses', name), 'utf8'));
}

/** Obviously fake credentials; the tests check none of them leaks into logs or messages. */
export const FAKE = {
  clientId: '00000000-0000-4000-8000-000000000001',
  practiceId: '00000000-0000-4000-8000-000000000002',
  vendorKey: 'fake-vendor-key',
  accountKey: 'fake-account-key',
  accountId: '99999',
  clinikoApiKey: 'fake-cliniko-api-key',
};
export const FAKE_SECRET_VALUES = Object.values(FAKE);

/** The project's logger (with its redaction) at debug level, writing into memory. */
export function memoryLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const written: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void written.push(line) } });
  return {
    logger,
    text: () => written.join(''),
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
