/**
 * The sign-in page's other methods in Chromium: "Sign in with Ethereum" through an injected `window.ethereum`
 * whose `personal_sign` is an ethers wallet in the test (through playwright's `exposeFunction`: a real signature
 * the server checks), and the "Sign in with <provider>" link when OpenID Connect is configured; a failed OpenID
 * Connect login's `/login?error=` code shown.
 */
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunDesk, openDeskWorld, type DeskWorld } from './world.ts';

const OIDC_ENV = {
  TESTUDO_OIDC_ISSUER: 'http://127.0.0.1:9/never-contacted',
  TESTUDO_OIDC_CLIENT_ID: 'desk-e2e',
  TESTUDO_OIDC_NAME: 'Example IdP',
};

describe.skipIf(!canRunDesk)('sign-in methods on the Desk', () => {
  let w: DeskWorld;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    for (const [k, v] of Object.entries(OIDC_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    w = await openDeskWorld({ warmup: 20 });
  });
  afterAll(async () => {
    await w?.close();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('signs in with an Ethereum wallet: a real personal_sign signature, a new user with the wallet linked', async () => {
    const wallet = Wallet.createRandom();
    const { context, page } = await w.page();
    await page.exposeFunction('__walletSign', (message: string) => wallet.signMessage(message));
    // Wallets hand out lower-case addresses; the Desk writes the EIP-55 form into the message.
    await page.addInitScript((address: string) => {
      const g = globalThis as unknown as Record<string, unknown>;
      g.ethereum = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          if (method === 'eth_requestAccounts') return [address];
          if (method === 'eth_chainId') return '0x1';
          if (method === 'personal_sign') return (g.__walletSign as (m: string) => Promise<string>)(String(params![0]));
          throw Object.assign(new Error(`unsupported ${method}`), { code: 4200 });
        },
      };
    }, wallet.address.toLowerCase());

    await page.goto(w.base + '/');
    const eth = page.getByRole('button', { name: 'Sign in with Ethereum' });
    await eth.waitFor();
    const idp = page.getByRole('link', { name: 'Sign in with Example IdP' });
    expect(await idp.getAttribute('href')).toBe('/api/v1/auth/oidc/login');
    await w.shot(page, 'sign-in-methods');

    await eth.click();
    // Signed in: the header names the new user (the first-run onboarding dialog opens over the app).
    await page.getByText(`${wallet.address.toLowerCase()}@wallet.invalid`).waitFor();
    const me = await page.evaluate(async () => {
      const r = await fetch('/api/v1/auth/me');
      return { status: r.status, body: (await r.json()) as { user: { id: number; email: string } } };
    });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(`${wallet.address.toLowerCase()}@wallet.invalid`);
    const rows = await w.sql.query('SELECT user_id FROM user_wallets WHERE address = $1', [
      wallet.address.toLowerCase(),
    ]);
    expect(rows.map((r) => Number(r.user_id))).toEqual([me.body.user.id]);
    await w.shot(page, 'sign-in-ethereum-done');
    await context.close();
  });

  it('shows why an OpenID Connect login failed, and no Ethereum button without a wallet', async () => {
    const { context, page } = await w.page();
    await page.goto(w.base + '/login?error=oidc-bad-state');
    await page.getByText('That sign-in link expired or was opened in another browser. Try again.').waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with Example IdP' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign in with Ethereum' }).count()).toBe(0);
    await w.shot(page, 'sign-in-oidc-error');
    await context.close();
  });
});
