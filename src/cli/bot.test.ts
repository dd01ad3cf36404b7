import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.ts';
import { runBot, type BotFlags, type BotKind } from './bot.ts';
import { createExchange } from '../bots/common.ts';
import { startBotWorld, type BotWorld } from '../bots/test-world.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/testudo.mjs', import.meta.url));

async function testudo(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const clean = { ...process.env, TESTUDO_BOT_API_KEY: '', TESTUDO_BOT_API_SECRET: '', TESTUDO_URL: '', ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: clean });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

/** A port nothing listens on (bound then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('testudo bot (usage and connection errors)', () => {
  it('lists the three bots', async () => {
    const r = await testudo(['bot', '--help']);
    expect(r.code).toBe(0);
    for (const name of ['market-maker', 'noise', 'momentum']) expect(r.stdout).toContain(name);
  });

  it('exits 2 with missing-credentials when no API key is given', async () => {
    const r = await testudo(['bot', 'noise', '--market', 'TUDOUSD']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^testudo bot noise: missing-credentials: no API key: pass --account-key/);
  });

  it('exits 2 on a malformed --account-key without printing the secret', async () => {
    const r = await testudo(['bot', 'market-maker', '--market', 'TUDOUSD', '--account-key', 'justsecretstuff']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing-credentials');
    expect(r.stderr).not.toContain('justsecretstuff');
  });

  it('refuses a bad flag value with invalid-option (exit 2) before connecting', async () => {
    const f = { market: 'X', accountKey: 'k:topsecret', url: 'http://127.0.0.1:1' };
    const bad: [BotKind, Partial<BotFlags>][] = [
      ['noise', { for: 'soon' }],
      ['market-maker', { spread: '-1' }],
      ['market-maker', { levels: '2.5' }],
      ['market-maker', { size: '1e3' }],
      ['momentum', { fast: '20', slow: '5' }],
      ['momentum', { timeframe: 'hourly' }],
      ['noise', { minSize: '5', maxSize: '1' }],
      ['noise', { marketShare: '2' }],
    ];
    for (const [kind, flags] of bad) {
      const e = await runBot(kind, { ...f, ...flags }, () => {}).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(CliError);
      expect(e).toMatchObject({ code: 'invalid-option', exitCode: 2 });
      expect((e as Error).message).not.toContain('topsecret');
    }
  });

  it('exits 1 with server-unreachable when nothing listens at --url (key from the environment)', async () => {
    const port = await closedPort();
    const r = await testudo(['bot', 'momentum', '--market', 'TUDOUSD', '--url', `http://127.0.0.1:${port}`], {
      TESTUDO_BOT_API_KEY: 'key',
      TESTUDO_BOT_API_SECRET: 'topsecret',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^testudo bot momentum: server-unreachable: cannot reach the gateway at http/);
    expect(r.stderr + r.stdout).not.toContain('topsecret');
  });
});

describe('testudo bot against a running server', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startBotWorld(['TUDOUSD'], ['maker']);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('quotes until Ctrl-C, then cancels its quotes and exits 0, never printing the secret', async () => {
    const [apiKey, secret] = w.key.maker!.split(':') as [string, string];
    const child = spawn(
      process.execPath,
      [BIN, 'bot', 'market-maker', '--market', 'TUDOUSD', '--url', w.url, '--fair', '50', '--period', '200ms'],
      { env: { ...process.env, TESTUDO_BOT_API_KEY: apiKey, TESTUDO_BOT_API_SECRET: secret } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let t = 0; !out.includes(' quote fair ') && t < 400; t++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(
      /market-maker quote fair 50 \(--fair\) position 0: bids 5@49.75 5@49.5 5@49.25 \| asks 5@50.25/,
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('market-maker SIGINT: stopping');
    expect(out).toMatch(/market-maker stopped: cancelled 6 open quotes/);
    expect(err).toBe('');
    expect(out + err).not.toContain(secret);
    const client = createExchange(w.url, { apiKey, secret });
    await client.loadMarkets();
    expect(await client.fetchOpenOrders('TUDO/USD')).toEqual([]);
  });
});
