/**
 * The sign-in page's other methods in Chromium: "Sign in with Ethereum" through an injected `window.ethereum`
 * whose `personal_sign` is an ethers wallet in the test (through playwright's `exposeFunction`: a real signature
 * the server checks); "Sign in with <provider>" through a real OpenID Connect provider on 127.0.0.1
 * (`oidc-provider`, `src/server/oidc-test-provider.ts`) and back; a failed OpenID Connect login's `/login?error=`
 * code shown.
 */
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenTestProvider, type TestProvider } from '../../src/server/oidc-test-provider.ts';
import { canRunDesk, openDeskWorld, type DeskWorld } from './world.ts';

describe.skipIf(!canRunDesk)('sign-in methods on the Desk', () => {
  let w: DeskWorld;
  let idp: TestProvider;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    idp = await listenTestProvider({ erin: { email: 'erin@example.com', email_verified: true } });
    const env = {
      TESTUDO_OIDC_ISSUER: idp.issuer,
      TESTUDO_OIDC_CLIENT_ID: idp.clientId,
      TESTUDO_OIDC_CLIENT_SECRET: idp.clientSecret,
      TESTUDO_OIDC_NAME: 'Example IdP',
    };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    w = await openDeskWorld({ warmup: 20 });
    await idp.start([`${w.base}/api/v1/auth/oidc/callback`]);
  });
  afterAll(async () => {
    await w?.close();
    await idp?.close();
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

  it('signs in through the OpenID Connect provider: its login page, then back on the Desk signed in', async () => {
    const { context, page } = await w.page();
    await page.goto(w.base + '/');
    await page.getByRole('link', { name: 'Sign in with Example IdP' }).click();
    await page.getByLabel('Who are you?').fill('erin');
    await w.shot(page, 'sign-in-oidc-provider');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('erin@example.com').waitFor(); // the header names the signed-in user
    expect(new URL(page.url()).origin).toBe(w.base);
    const cookies = await context.cookies(w.base);
    expect(cookies.find((c) => c.name === 'testudo_session')?.httpOnly).toBe(true);
    expect(cookies.some((c) => c.name === 'testudo_oidc_state')).toBe(false); // used and cleared
    await context.close();
  });

  it('shows why an OpenID Connect login failed, and no Ethereum button without a wallet', async () => {
    const { context, page } = await w.page();
    await page.goto(w.base + '/login?error=oidc-bad-state');
    await page.getByText('That sign-in link expired or was opened in another browser. Try again.').waitFor();
    // the methods arrive from GET /auth/methods after the page renders: wait for the link, then look for the button
    await page.getByRole('link', { name: 'Sign in with Example IdP' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign in with Ethereum' }).count()).toBe(0);
    await w.shot(page, 'sign-in-oidc-error');
    await context.close();
  });
});
