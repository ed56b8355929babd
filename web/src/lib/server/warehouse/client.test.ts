import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouseClient, QUESTION_PATH } from './client.ts';

/** A stand-in for the warehouse sink's HTTP API, on loopback: checks the client's requests and parsing. */
describe('warehouse client', () => {
  let server: Server;
  let base = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith(`${QUESTION_PATH}decision?`)) return void res.end('{"rows":[]}');
      if (req.url?.startsWith(`${QUESTION_PATH}amount-distribution`))
        return void res.writeHead(502).end('{"error":"WAREHOUSE_FAILED"}');
      res.end(JSON.stringify({ question: 'x', rows: [{ type: 'TRANSFER', hour: 3, fraudRate: 0.01 }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('asks the named questions with their parameters and reads rows', async () => {
    const c = createWarehouseClient({ baseUrl: base });
    expect(await c.fraudRateByTypeHour()).toEqual([{ type: 'TRANSFER', hour: 3, fraudRate: 0.01 }]);
    await c.recentDecisions({ decision: 'BLOCK', limit: 5 });
    await c.accountHistory('C 1', 7);
    expect(seen).toContain(`${QUESTION_PATH}recent-decisions?decision=BLOCK&limit=5`);
    expect(seen).toContain(`${QUESTION_PATH}account-history?account=C+1&limit=7`);
    expect(await c.decision('missing')).toBeNull();
  });

  it('fails with WAREHOUSE_FAILED saying what happened', async () => {
    await expect(createWarehouseClient({ baseUrl: base }).amounts()).rejects.toMatchObject({
      code: 'WAREHOUSE_FAILED',
      retriable: true,
    });
    await expect(createWarehouseClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 }).typologies()).rejects.toThrow(
      /not reachable/,
    );
  });
});
