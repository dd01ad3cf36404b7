/**
 * Whether the first-run onboarding is due: the server's `onboarded` flag of `GET /auth/me` decides; until a
 * server sends it (or when marking it failed) a per-user flag in localStorage stands in, so the tour never shows
 * twice in one browser.
 */

/** The localStorage key of a user's "onboarding done" flag. */
export function onboardedKey(userId: number | string): string {
  return `testudo.onboarded.${userId}`;
}

/** The storage the flag is kept in (localStorage in the browser); absent in tests and private modes that lack it. */
export interface FlagStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The browser's localStorage, or null when it cannot be used. */
export function browserStore(): FlagStore | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether to show the onboarding to `userId`: not when the server says it is done (`onboarded === true`) or the
 * local flag is set; yes otherwise (server says false, or has no flag yet and this browser has not seen it done).
 */
export function needsOnboarding(userId: number, serverFlag: boolean | undefined, store: FlagStore | null): boolean {
  if (serverFlag === true) return false;
  return store?.getItem(onboardedKey(userId)) !== '1';
}

/** Sets the local flag (best effort: a full or missing storage is ignored). */
export function rememberOnboarded(userId: number, store: FlagStore | null): void {
  try {
    store?.setItem(onboardedKey(userId), '1');
  } catch {
    // the server's flag still holds
  }
}
