/**
 * The first-run onboarding: a short modal sequence (Radix Dialog) shown once per user, when `GET /auth/me` says
 * `onboarded: false` (or, until the server sends the flag, when this browser has not seen it done). It explains the
 * risk profile in plain words with the account's own numbers, where the paper account's money and prices come
 * from, and ends on the Trade page. "Skip" and "Done" (and closing it) mark it done: `POST /api/v1/auth/onboarded`
 * plus a local flag.
 */
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { ME_KEY, useMe, type Me } from '@/api/session';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { api, unwrap } from '@/api/client';
import { useRiskProfile } from '@/features/account/api';
import { percentOf } from '@/lib/decimal';
import { amount, DEFAULT_PROFILE, protocolSummary } from '@/features/account/riskText';
import { browserStore, needsOnboarding, rememberOnboarded } from './state';

/** Marks the onboarding done on the server (best effort) and locally, and updates the cached session. */
function useFinish(userId: number) {
  const qc = useQueryClient();
  return async () => {
    rememberOnboarded(userId, browserStore());
    qc.setQueryData<Me | null>(ME_KEY, (m) => (m ? { ...m, onboarded: true } : m));
    try {
      await unwrap(api.POST('/api/v1/auth/onboarded'));
    } catch {
      // the local flag keeps it from showing again in this browser; the server is asked again next time
    }
  };
}

/** Shows the onboarding to a signed-in user who has not finished it; renders nothing otherwise. */
export function Onboarding() {
  const me = useMe();
  const [closed, setClosed] = useState(false);
  const user = me.data?.user;
  if (!user || closed || !needsOnboarding(user.id, me.data?.onboarded, browserStore())) return null;
  return <Tour userId={user.id} onClose={() => setClosed(true)} />;
}

const STEPS = ['Your protocol', 'Your paper account', 'Where to start'] as const;

function Tour({ userId, onClose }: { userId: number; onClose(): void }) {
  const me = useMe();
  const profile = useRiskProfile();
  const navigate = useNavigate();
  const finish = useFinish(userId);
  const [step, setStep] = useState(0);
  const p = profile.data?.profile ?? DEFAULT_PROFILE;
  const balance = (me.data?.account as { balance?: unknown } | undefined)?.balance;
  const equity = typeof balance === 'string' && balance ? balance : (profile.data?.state.balance ?? '10000');
  const close = (to?: string) => {
    onClose();
    void finish();
    if (to) void navigate(to);
  };
  const last = step === STEPS.length - 1;

  return (
    <Dialog
      open
      onOpenChange={(o) => {
        if (!o) close();
      }}
      title={
        <span className="flex items-center gap-2">
          <img src="/icon.svg" alt="" className="h-5 w-5" />
          {step === 0 ? 'Welcome to Testudo' : STEPS[step]}
        </span>
      }
      description={`Step ${step + 1} of ${STEPS.length}`}
    >
      <div className="flex min-h-56 flex-col gap-3 text-sm" data-testid="onboarding">
        {step === 0 ? (
          <>
            <p>
              Testudo sizes every trade from its stop, checks your rules before every order and keeps the score in R
              (multiples of what you risked). Your rules, the <strong>Testudo Protocol</strong>, in plain words:
            </p>
            <ul className="flex list-disc flex-col gap-1.5 pl-5">
              {protocolSummary(equity, p).map((s) => (
                <li key={s}>{s}</li>
              ))}
              <li>
                {p.requireTakeProfit
                  ? `Every trade needs a take-profit at least ${p.minRewardRisk}× as far from the entry as the stop, and all`
                  : 'All'}{' '}
                open trades together may risk at most {p.maxOpenRiskPct}% ({amount(pctOf(equity, p.maxOpenRiskPct))}).
              </li>
            </ul>
            <p className="text-muted">
              You can tighten any limit on the Account page at once; loosening one waits a cooling-off period.
            </p>
          </>
        ) : step === 1 ? (
          <ul className="flex list-disc flex-col gap-1.5 pl-5">
            <li>
              <strong>The money is simulated.</strong> Your paper account started with 10,000 USDT of play money; its
              balance now is {amount(equity)}. Nothing touches a real exchange.
            </li>
            <li>
              <strong>Prices come from the feed</strong>: a replay of real historical bars, or a live exchange feed when
              the server runs one.
            </li>
            <li>
              <strong>Fills are simulated from the bars</strong>: a market entry fills at the current price; a stop or
              limit fills when a bar trades through its price.
            </li>
            <li>
              <strong>Fees are charged like an exchange</strong>: maker and taker fees of the instrument, counted in the
              size, the P&amp;L and the R-multiple.
            </li>
          </ul>
        ) : (
          <>
            <p>
              Start on the <strong>Trade</strong> page: choose the entry, the stop and the take-profit; Testudo computes
              the size so a stop-out costs your risk per trade, and shows every rule&apos;s verdict before you send.
            </p>
            <p>
              Review closed trades in <strong>Trades</strong> and <strong>Overview</strong>, write in the{' '}
              <strong>Journal</strong>, and adjust the protocol on <strong>Account</strong>.
            </p>
          </>
        )}
      </div>
      <div className="mt-3 flex flex-wrap items-center justify-between gap-2">
        <Button variant="ghost" onClick={() => close()}>
          Skip
        </Button>
        <div className="flex gap-2">
          {step > 0 ? (
            <Button variant="outline" onClick={() => setStep((s) => s - 1)}>
              Back
            </Button>
          ) : null}
          {last ? (
            <Button onClick={() => close('/trade')}>Done</Button>
          ) : (
            <Button onClick={() => setStep((s) => s + 1)}>Next</Button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

function pctOf(equity: string, pct: string): string {
  try {
    return percentOf(equity, pct);
  } catch {
    return '0';
  }
}
