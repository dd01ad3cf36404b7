/**
 * Accounts of the exchange: personal and alt accounts, shared ownership (add and remove owners), cash transfers and
 * portfolios. Reads come from memory; writes are exclusive commands (`./core.ts`) that update memory after commit.
 *
 * Invariants:
 * - Cash never goes negative: a transfer needs the source's available balance (in memory, equal to the database
 *   once every earlier command committed) to cover it.
 * - An account always has an owner: the last owner cannot be removed, nor the user of a personal account.
 * - Private events go only to owners: `transfer` to the owners of both accounts, `ownership` to every owner before
 *   and after the change.
 */
import { audit } from '../journal-audit.ts';
import type { Row } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { formatAtoms, toAtoms } from '../../core/money/decimal.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import { amountOf } from './auctions.ts';
import type { Core } from './core.ts';
import {
  accountEvents,
  addOwner,
  available,
  marketOf,
  newAccount,
  ownedAccount,
  removeOwner as removeOwnerInMemory,
  sizeText,
  type Account,
} from './state.ts';

/** The user's personal account, created (with zero cash) on first use. */
export async function personalAccount(core: Core, userId: number): Promise<number> {
  const id = core.state.personal.get(userId);
  if (id !== undefined) return id;
  return core.exclusive(async () => {
    const again = core.state.personal.get(userId);
    if (again !== undefined) return again;
    const { id: created, name } = await core.sql.tx(async (q) => {
      const [u] = await q.query('SELECT email FROM users WHERE id = $1', [userId]);
      const label = String(u?.email ?? `user ${userId}`);
      const [c] = await q.query(
        `INSERT INTO ex_accounts (name, kind, personal_of) VALUES ($1, 'user', $2)
         ON CONFLICT (personal_of) DO NOTHING RETURNING id`,
        [label, userId],
      );
      if (!c) {
        const [row] = await q.query('SELECT id FROM ex_accounts WHERE personal_of = $1', [userId]);
        return { id: toInt(row!.id), name: label };
      }
      await q.query('INSERT INTO ex_account_owners (account_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        c.id,
        userId,
      ]);
      return { id: toInt(c.id), name: label };
    });
    const s = core.state;
    let a = s.accounts.get(created);
    if (!a) s.accounts.set(created, (a = newAccount(created, name, 'user', userId)));
    addOwner(s, a, userId);
    s.personal.set(userId, created);
    return created;
  });
}

/** Creates an alt account owned by `userId`. */
export async function createAltAccount(core: Core, userId: number, name: string): Promise<Record<string, unknown>> {
  return core.exclusive(async () => {
    const id = await core.sql.tx(async (q) => {
      const [a] = await q.query(`INSERT INTO ex_accounts (name, kind) VALUES ($1, 'alt') RETURNING id`, [name]);
      await q.query('INSERT INTO ex_account_owners (account_id, user_id) VALUES ($1, $2)', [a!.id, userId]);
      return toInt(a!.id);
    });
    const a = newAccount(id, name, 'alt', null);
    core.state.accounts.set(id, a);
    addOwner(core.state, a, userId);
    return { id, name, kind: 'alt', owners: [userId] };
  });
}

/** Tells every owner of `a` (and `also`) that the owners changed. */
function publishOwnership(core: Core, a: Account, userId: number, change: 'added' | 'removed', also: number[]): void {
  const data = { accountId: a.id, userId, change, owners: [...a.owners].sort((x, y) => x - y) };
  for (const uid of new Set([...a.owners, ...also])) core.events.publish({ type: 'ownership', userId: uid, data });
}

/** Adds a co-owner (by email) to an account the user owns. @throws NotFoundError for an unknown user or account. */
export async function shareAccount(
  core: Core,
  userId: number,
  accountId: number,
  email: string,
): Promise<Record<string, unknown>> {
  ownedAccount(core.state, userId, accountId);
  return core.exclusive(async () => {
    const a = ownedAccount(core.state, userId, accountId);
    const [u] = await core.sql.query('SELECT id FROM users WHERE email = $1', [email.trim().toLowerCase()]);
    if (!u) throw new NotFoundError('user-not-found', `no user ${email}`);
    const owner = toInt(u.id);
    await core.sql.query('INSERT INTO ex_account_owners (account_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      accountId,
      owner,
    ]);
    const fresh = !a.owners.has(owner);
    addOwner(core.state, a, owner);
    if (fresh) publishOwnership(core, a, owner, 'added', []);
    return { accountId, owner };
  });
}

/**
 * Removes an owner from a shared account, by one of its owners (possibly themself).
 * @throws NotFoundError `account-not-found` (not the caller's), `owner-not-found`; ConflictError `last-owner`,
 *   `personal-account-owner`.
 */
export async function removeOwner(
  core: Core,
  userId: number,
  accountId: number,
  ownerId: number,
): Promise<Record<string, unknown>> {
  ownedAccount(core.state, userId, accountId);
  return core.exclusive(async () => {
    const a = ownedAccount(core.state, userId, accountId);
    if (!a.owners.has(ownerId)) throw new NotFoundError('owner-not-found', `user ${ownerId} does not own ${accountId}`);
    if (a.personalOf === ownerId)
      throw new ConflictError('personal-account-owner', 'the owner of a personal account cannot be removed');
    if (a.owners.size <= 1) throw new ConflictError('last-owner', 'the last owner of an account cannot be removed');
    await core.sql.query('DELETE FROM ex_account_owners WHERE account_id = $1 AND user_id = $2', [accountId, ownerId]);
    removeOwnerInMemory(core.state, a, ownerId);
    publishOwnership(core, a, ownerId, 'removed', [ownerId]);
    return { accountId, removed: ownerId, owners: [...a.owners].sort((x, y) => x - y) };
  });
}

/**
 * Accounts the user owns, with cash, available balance and every owner (`{ userId, email }`, by user id) — the
 * e-mails are read from `users`, the rest from memory.
 */
export async function accounts(core: Core, userId: number): Promise<Record<string, unknown>[]> {
  await personalAccount(core, userId);
  const s = core.state;
  const ids = [...(s.owned.get(userId) ?? [])].sort((x, y) => x - y);
  const ownerIds = [...new Set(ids.flatMap((id) => [...s.accounts.get(id)!.owners]))];
  const emails = new Map<number, string>();
  if (ownerIds.length > 0)
    for (const u of await core.sql.query('SELECT id, email FROM users WHERE id = ANY($1::bigint[])', [ownerIds]))
      emails.set(toInt(u.id), String(u.email));
  return ids.map((id) => {
    const a = s.accounts.get(id)!;
    const avail = available(s, a);
    return {
      id,
      name: a.name,
      kind: a.kind,
      cash: formatAtoms(a.cash),
      available: avail === null ? null : formatAtoms(avail),
      owners: [...a.owners].sort((x, y) => x - y).map((u) => ({ userId: u, email: emails.get(u) ?? '' })),
    };
  });
}

/** An account's portfolio: cash, available balance and positions (from memory). */
export function portfolio(core: Core, userId: number, accountId: number): Record<string, unknown> {
  const s = core.state;
  const a = ownedAccount(s, userId, accountId);
  const avail = available(s, a);
  return {
    accountId,
    name: a.name,
    kind: a.kind,
    cash: formatAtoms(a.cash),
    available: avail === null ? null : formatAtoms(avail),
    positions: [...a.exposure]
      .filter(([, e]) => e.position !== 0n)
      .sort(([x], [y]) => x - y)
      .map(([mid, e]) => {
        const m = marketOf(s, mid);
        return { marketId: m.id, market: m.name, position: sizeText(m, e.position) };
      }),
  };
}

/**
 * Moves cash between accounts atomically. The source must be one of the user's accounts and keep a non-negative
 * available balance; admins may mint into any account with `fromAccountId: null`.
 */
export async function transfer(
  core: Core,
  user: { id: number; isAdmin: boolean },
  fromAccountId: number | null,
  toAccountId: number,
  amount: string,
  note: string,
  address: string | null,
): Promise<Record<string, unknown>> {
  const atoms = amountOf('amount', amount);
  if (fromAccountId === null) {
    if (!user.isAdmin)
      throw new ForbiddenError('forbidden', 'only an admin can mint cash (a transfer without a source)');
  } else {
    ownedAccount(core.state, user.id, fromAccountId);
    if (fromAccountId === toAccountId)
      throw new ValidationError([
        { field: 'toAccountId', code: 'same-account', message: 'source and destination are the same' },
      ]);
  }
  return core.exclusive(async () => {
    const s = core.state;
    const to = s.accounts.get(toAccountId);
    if (!to) throw new NotFoundError('account-not-found', `no account ${toAccountId}`);
    const from = fromAccountId === null ? null : ownedAccount(s, user.id, fromAccountId);
    if (from) {
      const avail = available(s, from);
      if (avail === null || avail < atoms)
        throw new UnprocessableError(
          'insufficient-balance',
          `available balance ${avail === null ? '0' : formatAtoms(avail)} is less than ${formatAtoms(atoms)}`,
        );
    }
    const out = await core.sql.tx(async (q) => {
      if (fromAccountId !== null)
        await q.query('UPDATE ex_accounts SET cash = cash - $2 WHERE id = $1', [fromAccountId, formatAtoms(atoms)]);
      await q.query('UPDATE ex_accounts SET cash = cash + $2 WHERE id = $1', [toAccountId, formatAtoms(atoms)]);
      const [t] = await q.query(
        `INSERT INTO ex_transfers (from_account_id, to_account_id, amount, note, by_user_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, at`,
        [fromAccountId, toAccountId, formatAtoms(atoms), note, user.id],
      );
      const view = { id: toInt(t!.id), fromAccountId, toAccountId, amount: formatAtoms(atoms), note };
      if (fromAccountId === null)
        await audit(q, { userId: user.id, address }, 'cash-minted', null, {
          transferId: view.id,
          toAccountId,
          amount: view.amount,
        });
      return view;
    });
    if (from) from.cash -= atoms;
    to.cash += atoms;
    // Private: every owner of either account hears of it, and nobody else.
    const notify = new Set([user.id, ...to.owners, ...(from?.owners ?? [])]);
    const event = { ...out, at: new Date().toISOString() };
    for (const uid of notify) core.events.publish({ type: 'transfer', userId: uid, data: event });
    for (const e of accountEvents(s, from ? [from.id, to.id] : [to.id])) core.events.publish(e);
    return out;
  });
}

/** Transfers touching any account the user ($1) owns. */
const TRANSFERS_OF_USER = `SELECT t.* FROM ex_transfers t
  WHERE (t.from_account_id IN (SELECT account_id FROM ex_account_owners WHERE user_id = $1)
     OR t.to_account_id IN (SELECT account_id FROM ex_account_owners WHERE user_id = $1))`;

/** A transfer as served (amount as decimal text). */
function transferView(t: Row): Record<string, unknown> {
  return {
    id: toInt(t.id),
    fromAccountId: t.from_account_id === null ? null : toInt(t.from_account_id),
    toAccountId: toInt(t.to_account_id),
    amount: formatAtoms(toAtoms(String(t.amount))),
    note: t.note,
    at: new Date(t.at as string | Date).toISOString(),
  };
}

/** Transfers into or out of the user's accounts, newest first. */
export async function transfers(core: Core, userId: number, limit = 100): Promise<Record<string, unknown>[]> {
  const rows = await core.sql.query(`${TRANSFERS_OF_USER} ORDER BY t.id DESC LIMIT $2`, [userId, limit]);
  return rows.map(transferView);
}

/** Transfers into or out of the user's accounts with ids in (`after`, `upTo`], oldest first. */
export async function transferChanges(
  core: Core,
  userId: number,
  after: number,
  upTo: number,
): Promise<Record<string, unknown>[]> {
  const rows = await core.sql.query(`${TRANSFERS_OF_USER} AND t.id > $2 AND t.id <= $3 ORDER BY t.id`, [
    userId,
    after,
    upTo,
  ]);
  return rows.map(transferView);
}
