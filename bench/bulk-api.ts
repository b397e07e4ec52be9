import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The integration API and Slack's file host for bulk-run.ts, in a process of its own: in production the API
 * is another machine, so the CPU it spends answering (parsing 2,000 PUTs, its timers) must not be counted
 * as the bot's. Serves the enterprise's group, the CSV download, and mapping PUTs answering after latencyMs;
 * `GET /__puts` says how many PUTs it received. Started with the CSV on stdin, rows and latency as arguments;
 * prints its port once listening.
 */

export const BULK_FILE_ID = 'F0BENCHCSV';

function serve(csv: string, latencyMs: number): Server {
  let puts = 0;
  return createServer((req, res) => {
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
      if (req.method === 'GET' && path === `/files/${BULK_FILE_ID}/locations.csv`) {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.end(csv);
        return;
      }
      puts++;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }, latencyMs);
    });
  });
}

if (require.main === module) {
  const latencyMs = Number(process.argv[2]);
  let csv = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    csv += chunk;
  });
  process.stdin.on('end', () => {
    const server = serve(csv, latencyMs);
    server.listen(0, '127.0.0.1', () => {
      process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
    });
  });
}
