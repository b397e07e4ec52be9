import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The integration API and Slack's file host for bulk-run.ts, in a process of its own: in production the API
 * is another machine, so the CPU it spends answering (parsing 2,000 PUTs, its timers) must not be counted
 * as the bot's. Serves the enterprise's group, the CSV download, and mapping PUTs answered holdMs after they
 * arrived; `GET /__puts` says how many mapping PUTs it received. `PUT /__calibrate` is answered like a
 * mapping PUT but not counted, and `POST /__hold/<ms>` sets holdMs: bulk-run.ts sets it so that a bare
 * client sees the write latency the bench asks for (the loopback round trip between two processes is
 * about 2 ms on this VM). Serves the CSV files of CSV_FILES. Started with the first holdMs and the measured
 * run's rows as arguments; prints its port.
 */

export const BULK_FILE_ID = 'F0BENCHCSV';
/** A small run before the measured one, so the bot's code paths are warm as in a bot that has been running. */
export const WARM_UP_FILE_ID = 'F0WARMUPCSV';
export const WARM_UP_ROWS = 16;

/** A CSV of `rows` locations with business ids from `first` on. */
export function locationsCsv(rows: number, first: number): string {
  const lines = ['business id,Location Name,appointment_status'];
  for (let i = 0; i < rows; i++) lines.push(`${first + i},"Clinic ${i + 1}","Checked-Out,Billed"`);
  return `${lines.join('\n')}\n`;
}

/** The measured run's business ids and the warm-up's do not overlap. */
export const CSV_FILES: Record<string, (rows: number) => string> = {
  [BULK_FILE_ID]: (rows) => locationsCsv(rows, 150051042500001),
  [WARM_UP_FILE_ID]: () => locationsCsv(WARM_UP_ROWS, 150051042600001),
};

function serve(rows: number, initialHoldMs: number): Server {
  const files = new Map(Object.entries(CSV_FILES).map(([id, csv]) => [`/files/${id}/locations.csv`, csv(rows)]));
  let puts = 0;
  let holdMs = initialHoldMs;
  return createServer((req, res) => {
    const arrived = performance.now();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && path === '/__puts') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ puts }));
        return;
      }
      if (req.method === 'GET' && path.startsWith('/integration/businessintegrationgroup/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ groupId: 1595, integrationSourceType: { id: 67, integrationSource: 'CARECLOUD' } }]));
        return;
      }
      const file = req.method === 'GET' ? files.get(path) : undefined;
      if (file !== undefined) {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.end(file);
        return;
      }
      const hold = /^\/__hold\/(\d+(?:\.\d+)?)$/.exec(path);
      if (req.method === 'POST' && hold) {
        holdMs = Number(hold[1]);
        res.writeHead(204);
        res.end();
        return;
      }
      if (path !== '/__calibrate') puts++;
      setTimeout(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        },
        Math.max(0, arrived + holdMs - performance.now()),
      );
    });
  });
}

if (require.main === module) {
  const server = serve(Number(process.argv[3]), Number(process.argv[2]));
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
}
