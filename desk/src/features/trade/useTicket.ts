/**
 * The ticket's state: side, entry type, the three prices (shared by the chart lines and the inputs), risk and
 * journal fields, the latest sizing preview (debounced, latest answer wins), and the two-step confirmation that
 * places the trade. Prices are kept as typed; only valid decimals reach the server, and its field errors
 * (`price-off-tick`, …) come back next to the inputs. With an exchange connection (`connectionId`) the preview and
 * the trade name it, so sizing and rules run on that connection's risk account and the bracket goes to its venue;
 * when no last price is known (a venue symbol without a chart), Long/Short start a limit entry with empty prices to
 * type.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@/api/client';
import { placeTrade, previewSetup, type Instrument, type Placed, type Preview, type SetupBody } from './api';
import { confirmStep, IDLE, setupKey, type ConfirmEvent, type ConfirmState } from './confirm';
import { isDecimal } from '@/lib/decimal';
import { debouncedLatest } from './latest';
import { defaultLines, followLast, moveLine, type LineKey, type Lines, type Side } from './lines';

/** Quiet period before a preview is asked, ms. */
export const PREVIEW_DELAY_MS = 200;

/** The latest preview: for which setup (`key`), and its answer or error. */
export interface PreviewState {
  key: string;
  data?: Preview;
  error?: unknown;
}

/** Journal fields of the ticket (optional). */
export interface JournalFields {
  setup: string;
  tags: string;
  notes: string;
}

const NOT_DECIMAL = 'must be a decimal number such as "2410.5"';

function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `desk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * The ticket for `instrument` at the last price `last`, sent to the paper account (`connectionId` null) or through
 * exchange connection `connectionId`.
 */
export function useTicket(instrument: Instrument | undefined, last: string | null, connectionId: number | null = null) {
  const qc = useQueryClient();
  const [side, setSide] = useState<Side | null>(null);
  const [entryType, setEntryTypeState] = useState<'market' | 'limit'>('market');
  const [lines, setLines] = useState<Lines | null>(null);
  const [riskPct, setRiskPct] = useState('');
  const [journal, setJournal] = useState<JournalFields>({ setup: '', tags: '', notes: '' });
  const [preview, setPreview] = useState<PreviewState | null>(null);
  const [pending, setPending] = useState(false);
  const [confirm, setConfirm] = useState<ConfirmState>(IDLE);
  const [placed, setPlaced] = useState<Placed | null>(null);
  const [placeError, setPlaceError] = useState<unknown>(null);
  const confirmRef = useRef(confirm);
  const idemRef = useRef<string>(newIdempotencyKey());
  const tick = instrument?.tickSize ?? null;

  const dispatch = useCallback((e: ConfirmEvent) => {
    const next = confirmStep(confirmRef.current, e);
    confirmRef.current = next;
    setConfirm(next);
    return next;
  }, []);

  // client-side field errors: a price that is not a decimal never reaches the server
  const clientErrors = useMemo(() => {
    const out: Partial<Record<LineKey | 'riskPct', string>> = {};
    if (!lines) return out;
    // an empty price is not an error yet (typed prices start empty), only not sendable
    const bad = (v: string) => v.trim() !== '' && !isDecimal(v);
    if (entryType === 'limit' && bad(lines.entry)) out.entry = NOT_DECIMAL;
    if (bad(lines.stop)) out.stop = NOT_DECIMAL;
    if (bad(lines.target)) out.target = NOT_DECIMAL;
    if (riskPct.trim() !== '' && !isDecimal(riskPct)) out.riskPct = 'must be a percent such as "0.5"';
    return out;
  }, [lines, entryType, riskPct]);

  const missing = Boolean(
    lines && ((entryType === 'limit' && !lines.entry.trim()) || !lines.stop.trim() || !lines.target.trim()),
  );
  const body = useMemo((): SetupBody | null => {
    if (!instrument || !side || !lines || missing || Object.keys(clientErrors).length > 0) return null;
    const tags = journal.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    return {
      ...(connectionId !== null ? { connectionId } : {}),
      symbol: instrument.symbol,
      side,
      entryType,
      ...(entryType === 'limit' ? { entryPrice: lines.entry.trim() } : {}),
      stopLoss: lines.stop.trim(),
      takeProfit: lines.target.trim(),
      ...(riskPct.trim() ? { riskPct: riskPct.trim() } : {}),
      ...(journal.setup.trim() ? { setup: journal.setup.trim() } : {}),
      ...(tags.length ? { tags } : {}),
      ...(journal.notes.trim() ? { notes: journal.notes.trim() } : {}),
    };
  }, [instrument, side, lines, missing, clientErrors, entryType, riskPct, journal, connectionId]);
  const key = body ? setupKey(body as unknown as Record<string, unknown>) : null;
  const bodyRef = useRef(body);
  bodyRef.current = body;

  const previewer = useMemo(
    () =>
      debouncedLatest<{ key: string; body: SetupBody }, Preview>({
        delay: PREVIEW_DELAY_MS,
        run: (q, signal) => previewSetup(q.body, signal),
        onAnswer: (data, q) => setPreview({ key: q.key, data }),
        onError: (error, q) => setPreview({ key: q.key, error }),
        onPending: setPending,
      }),
    [],
  );
  useEffect(() => () => previewer.cancel(), [previewer]);

  // every change of the setup: a new preview, and the confirmation disarms
  useEffect(() => {
    if (key === null) {
      previewer.cancel();
      return;
    }
    previewer.request({ key, body: bodyRef.current! });
    dispatch({ t: 'change', key });
  }, [key, previewer, dispatch]);

  // a market entry follows the last price
  useEffect(() => {
    if (entryType !== 'market' || !last || !tick) return;
    setLines((l) => (l ? followLast(l, last, tick) : l));
  }, [last, entryType, tick]);

  /**
   * Long or Short: default lines around the last price (stop 1.5% away, target at 2R); without a last price, a limit
   * entry with the three prices to type.
   */
  const choose = useCallback(
    (s: Side) => {
      if (!tick) return;
      setSide(s);
      if (last) setLines(defaultLines({ side: s, last, tick }));
      else {
        setEntryTypeState('limit');
        setLines({ entry: '', stop: '', target: '' });
      }
      setPlaced(null);
      setPlaceError(null);
    },
    [tick, last],
  );

  /** Moves one line (chart drag, slider keys or an input). */
  const move = useCallback(
    (k: LineKey, price: string) => setLines((l) => (l ? moveLine(l, k, price, entryType) : l)),
    [entryType],
  );

  /** Market or limit entry; a limit starts at the current entry price. */
  const setEntryType = useCallback(
    (t: 'market' | 'limit') => {
      setEntryTypeState(t);
      if (t === 'market' && last && tick) setLines((l) => (l ? followLast(l, last, tick) : l));
    },
    [last, tick],
  );

  /** Clears the setup (symbol switch). */
  const reset = useCallback(() => {
    setSide(null);
    setLines(null);
    setPreview(null);
    setPlaced(null);
    setPlaceError(null);
    dispatch({ t: 'escape' });
  }, [dispatch]);

  const current = preview && preview.key === key ? preview : null;
  const canPlace = Boolean(current?.data?.approved && current.data.sizing.ok) && !pending;

  /** The place/confirm button or Enter: arms, then sends. */
  const press = useCallback(() => {
    if (key === null) return;
    const before = confirmRef.current;
    const next = dispatch({ t: 'press', key, canPlace });
    if (next.s === 'armed' && before.s !== 'armed') idemRef.current = newIdempotencyKey();
    if (next.s !== 'sending' || before.s === 'sending') return;
    const b = bodyRef.current!;
    setPlaceError(null);
    placeTrade(b, idemRef.current).then(
      (r) => {
        dispatch({ t: 'placed', tradeId: r.trade.id });
        setPlaced(r);
        setLines(null);
        setSide(null);
        setPreview(null);
        void qc.invalidateQueries({ queryKey: ['positions'] });
        void qc.invalidateQueries({ queryKey: ['risk-profile'] });
        void qc.invalidateQueries({ queryKey: ['trades'] });
        void qc.invalidateQueries({ queryKey: ['connections'] });
      },
      (e: unknown) => {
        dispatch({ t: 'failed', message: e instanceof Error ? e.message : 'the trade was not placed' });
        setPlaceError(e);
        if (e instanceof ApiError && e.code === 'rule-rejected') previewer.request({ key, body: b }); // refresh the verdicts shown
      },
    );
  }, [key, canPlace, dispatch, previewer, qc]);

  const escape = useCallback(() => dispatch({ t: 'escape' }), [dispatch]);

  return {
    side,
    entryType,
    lines,
    riskPct,
    journal,
    clientErrors,
    missing,
    connectionId,
    body,
    key,
    preview: current,
    pending,
    confirm,
    canPlace,
    placed,
    placeError,
    choose,
    move,
    setEntryType,
    setRiskPct,
    setJournal,
    reset,
    press,
    escape,
  };
}

/** The ticket's state and actions. */
export type Ticket = ReturnType<typeof useTicket>;
