/** API keys on a real database (PGlite, or PostgreSQL with TESTUDO_TEST_DB=postgres). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../context.ts';
import type { Sql } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { SecretBox } from '../secrets.ts';
import { ApiKeyService, MAX_KEYS_PER_ACCOUNT } from './api-keys.ts';

let sql: Sql;
let ctx: AppContext;
let keys: ApiKeyService;
let clock = 1_700_000_000_000;
let alice: number;
let bob: number;

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  keys = new ApiKeyService(sql, new SecretBox(Buffer.alloc(32, 7)), () => clock);
  alice = (await ctx.auth.register('alice@keys.test', 'password1')).id;
  bob = (await ctx.auth.register('bob@keys.test', 'password1')).id;
});
afterAll(async () => {
  await ctx?.close();
  await sql?.close();
});

const code = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'error',
  );

describe('ApiKeyService', () => {
  it('creates a key whose secret is shown once and stored only sealed', async () => {
    const acct = await ctx.exchange.personalAccount(alice);
    const k = await keys.create(alice, acct, { label: 'bot', permission: 'trade' });
    expect(k.apiKey).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(k.secret).toMatch(/^[A-Za-z0-9]{64}$/);
    const [row] = await sql.query('SELECT * FROM ex_api_keys WHERE id = $1', [k.id]);
    expect(String(row!.secret_sealed)).not.toContain(k.secret);
    expect(JSON.stringify(await keys.list(alice, acct))).not.toContain(k.secret);
    expect(await keys.list(alice, acct)).toEqual([
      expect.objectContaining({ id: k.id, label: 'bot', permission: 'trade', lastUsedAt: null }),
    ]);
    const r = await keys.resolve(k.apiKey);
    expect(r).toMatchObject({ accountId: acct, userId: alice, permission: 'trade', secret: k.secret });
  });

  it('only owners create, list and revoke; others get account-not-found', async () => {
    const acct = await ctx.exchange.personalAccount(alice);
    expect(await code(keys.create(bob, acct, { permission: 'read' }))).toBe('account-not-found');
    expect(await code(keys.list(bob, acct))).toBe('account-not-found');
    const k = await keys.create(alice, acct, { permission: 'read' });
    expect(await code(keys.revoke(bob, acct, k.id))).toBe('account-not-found');
  });

  it('a revoked key stops resolving at once and cannot be revoked twice', async () => {
    const acct = await ctx.exchange.personalAccount(alice);
    const k = await keys.create(alice, acct, { permission: 'read' });
    expect(await keys.resolve(k.apiKey)).not.toBeNull();
    await keys.revoke(alice, acct, k.id);
    expect(await keys.resolve(k.apiKey)).toBeNull();
    expect(await code(keys.revoke(alice, acct, k.id))).toBe('api-key-not-found');
    expect((await keys.list(alice, acct)).map((x) => x.id)).not.toContain(k.id);
  });

  it('a key stops resolving when its creator no longer owns the account', async () => {
    const shared = (await ctx.exchange.createAltAccount(alice, 'shared')).id as number;
    await ctx.exchange.shareAccount(alice, shared, 'bob@keys.test');
    const k = await keys.create(bob, shared, { permission: 'trade' });
    expect(await keys.resolve(k.apiKey)).not.toBeNull();
    await sql.query('DELETE FROM ex_account_owners WHERE account_id = $1 AND user_id = $2', [shared, bob]);
    expect(await keys.resolve(k.apiKey)).toBeNull();
  });

  it('takes a fixed key and secret (the documented signature examples), refusing malformed or taken ones', async () => {
    const acct = (await ctx.exchange.createAltAccount(alice, 'fixed')).id as number;
    const fixed = {
      apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
      secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
    };
    const k = await keys.create(alice, acct, { permission: 'trade' }, fixed);
    expect(k.apiKey).toBe(fixed.apiKey);
    expect((await keys.resolve(fixed.apiKey))?.secret).toBe(fixed.secret);
    expect(await code(keys.create(alice, acct, { permission: 'trade' }, fixed))).toBe('api-key-taken');
    expect(await code(keys.create(alice, acct, { permission: 'trade' }, { apiKey: 'short', secret: 'x' }))).toBe(
      'validation-failed',
    );
  });

  it(`caps live keys at ${MAX_KEYS_PER_ACCOUNT} per account`, async () => {
    const acct = (await ctx.exchange.createAltAccount(alice, 'many')).id as number;
    for (let i = 0; i < MAX_KEYS_PER_ACCOUNT; i++) await keys.create(alice, acct, { permission: 'read' });
    expect(await code(keys.create(alice, acct, { permission: 'read' }))).toBe('too-many-api-keys');
  });

  it('records last use at most once a minute', async () => {
    const acct = await ctx.exchange.personalAccount(alice);
    const k = await keys.create(alice, acct, { permission: 'read' });
    await keys.touch(k.id);
    const first = (await keys.list(alice, acct)).find((x) => x.id === k.id)!.lastUsedAt;
    expect(first).toBe(new Date(clock).toISOString());
    clock += 30_000;
    await keys.touch(k.id);
    expect((await keys.list(alice, acct)).find((x) => x.id === k.id)!.lastUsedAt).toBe(first);
    clock += 31_000;
    await keys.touch(k.id);
    expect((await keys.list(alice, acct)).find((x) => x.id === k.id)!.lastUsedAt).toBe(new Date(clock).toISOString());
  });
});
