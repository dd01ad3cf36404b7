import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('./desk/src', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'desk/src/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test servers register and sign in dozens of accounts from one address (127.0.0.1): registration, sign-in
    // windows and the failure back-off are relaxed for them (src/server/ratelimit.ts, TESTUDO_RATE_LIMITS). The
    // tests of the limits (src/server/ratelimit*.test.ts) build their limiters with the production defaults.
    env: { TESTUDO_RATE_LIMITS: 'register=100000/1h,auth=100000/10m,auth-free-failures=100000' },
  },
});
