/**
 * The Trade page: pick a symbol and timeframe, read the chart (live or replay), set a long or short up by dragging
 * its stop and target on the chart (or typing them), see the size and every rule's verdict while dragging, and
 * place it with a deliberate double confirmation. Admins also drive the replay from here.
 *
 * The ticket's "Trade on" selector sends the trade to the paper account (default) or through one of the user's
 * active exchange connections: then the symbols are the venue's markets (`GET /connections/:id/markets`), sizing
 * and rules run on the connection's risk account, and the bracket lives on the venue. A venue symbol the server
 * charts keeps its chart and draggable lines; otherwise the prices are typed in the ticket.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useLiveEvent } from '@/api/live';
import { useMe } from '@/api/session';
import { Card } from '@/components/ui/card';
import { Field, Select } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { money } from '@/lib/format';
import { useUi } from '@/store/ui';
import { useConnectionMarkets, useConnections, type Connection } from '@/features/account/connectionsApi';
import { venueName } from '@/features/account/connectionsForm';
import { venueInstruments } from './venue';
import { keys, useCandles, useInstruments, useMarketSymbols, useReplay, type ReplayView } from './api';
import { CandleChart } from './CandleChart';
import { replayAfterBar, type CandleEvent } from './candles';
import { ReplayBar } from './ReplayBar';
import { TicketPanel } from './Ticket';
import { useTicket } from './useTicket';

const DEFAULT_TIMEFRAMES = ['1h', '4h', '1d'];

/** Where the ticket sends a trade: the paper account or one active exchange connection. */
function TradeOn({
  connections,
  value,
  onChange,
  status,
}: {
  connections: Connection[];
  value: number | null;
  onChange(id: number | null): void;
  status: ReactNode;
}) {
  const c = connections.find((x) => x.id === value);
  return (
    <div className="flex flex-col gap-1">
      <Field label="Trade on">
        {(ids) => (
          <Select
            {...ids}
            value={value === null ? 'paper' : String(value)}
            onChange={(e) => onChange(e.target.value === 'paper' ? null : Number(e.target.value))}
          >
            <option value="paper">Paper account</option>
            {connections.map((x) => (
              <option key={x.id} value={x.id}>
                {x.label} · {venueName(x)}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {c && c.breaker !== 'closed' ? (
        <p role="alert" className="text-xs text-warn">
          The connection&apos;s breaker is {c.breaker}: new trades through it are paused until the venue answers again.
        </p>
      ) : null}
      {status}
    </div>
  );
}

/** The Trade page. */
export default function TradePage() {
  const qc = useQueryClient();
  const me = useMe();
  const isAdmin = Boolean(me.data?.user.isAdmin);
  const instruments = useInstruments();
  const symbols = useMarketSymbols();
  const replay = useReplay();
  const storedSymbol = useUi((s) => s.symbol);
  const setSymbol = useUi((s) => s.setSymbol);
  const timeframe = useUi((s) => s.timeframe);
  const setTimeframe = useUi((s) => s.setTimeframe);
  const connections = useConnections();
  const activeConnections = useMemo(
    () => (connections.data ?? []).filter((c) => c.status === 'active'),
    [connections.data],
  );
  const [connectionId, setConnectionId] = useState<number | null>(null);
  const connection = activeConnections.find((c) => c.id === connectionId) ?? null;
  const markets = useConnectionMarkets(connection?.id ?? null);
  const [venueSymbol, setVenueSymbol] = useState<string | null>(null);

  // tradable symbols: the venue's markets through a connection; on paper, a fed one first by default
  const tradable = useMemo(() => {
    const list = instruments.data ?? [];
    if (connection) return venueInstruments(markets.data ?? [], connection.marketType, list, connection.currency);
    const fed = new Set((symbols.data ?? []).filter((s) => s.feed).map((s) => s.symbol));
    return [...list].sort(
      (a, b) => Number(fed.has(b.symbol)) - Number(fed.has(a.symbol)) || a.symbol.localeCompare(b.symbol),
    );
  }, [instruments.data, symbols.data, connection, markets.data]);
  const wanted = connection ? venueSymbol : storedSymbol;
  const symbol = wanted && tradable.some((i) => i.symbol === wanted) ? wanted : (tradable[0]?.symbol ?? null);
  const chooseSymbol = (s: string) => (connection ? setVenueSymbol(s) : setSymbol(s));
  const instrument = tradable.find((i) => i.symbol === symbol);
  const market = symbols.data?.find((s) => s.symbol === symbol);
  // the server charts its feed's symbols (and venue candles it stores); any other venue symbol has no chart and
  // its prices are typed
  const chartable =
    !connection ||
    (instruments.data ?? []).some((i) => i.symbol === symbol) ||
    (symbols.data ?? []).some((s) => s.symbol === symbol);
  const timeframes = market?.timeframes.length ? market.timeframes : DEFAULT_TIMEFRAMES;
  const tf = timeframes.includes(timeframe) ? timeframe : (timeframes[0] ?? '1h');
  const candles = useCandles(chartable ? symbol : null, tf);
  const bars = useMemo(() => candles.data?.bars ?? [], [candles.data]);

  const [last, setLast] = useState<string | null>(null);
  useEffect(() => setLast(instrument?.lastPrice ?? null), [instrument?.symbol, instrument?.lastPrice]);
  const ticket = useTicket(instrument, last, connection?.id ?? null);
  const { reset } = ticket;
  useEffect(() => reset(), [symbol, connection?.id, reset]);

  const refetchCandles = useCallback(
    () => void qc.invalidateQueries({ queryKey: keys.candles(symbol ?? '', tf) }),
    [qc, symbol, tf],
  );
  // the replay's state, and its bars after a seek
  useLiveEvent('replay', (e) => {
    const prev = qc.getQueryData<ReplayView | null>(keys.replay);
    const next = e.data as unknown as ReplayView;
    qc.setQueryData(keys.replay, next);
    if (prev && next.index < prev.index) refetchCandles();
    if (prev && next.index > prev.index + 1 && next.symbol === symbol) refetchCandles();
  });

  // the replay's clock moves with every bar it emits (`replay` events come only when it is controlled)
  useLiveEvent('candle', (e) => {
    const prev = qc.getQueryData<ReplayView | null>(keys.replay);
    const next = replayAfterBar(prev, e.data as unknown as CandleEvent);
    if (next !== prev) qc.setQueryData(keys.replay, next);
  });

  if (instruments.isPending) return <Loading />;
  if (instruments.isError) return <ErrorState error={instruments.error} retry={() => void instruments.refetch()} />;
  if ((!instrument || !symbol) && activeConnections.length === 0) return <Empty>No instruments to trade yet.</Empty>;

  const showReplay = replay.data && (market?.feed === 'replay' || replay.data.symbol === symbol);
  const venueStatus = !connection ? null : markets.isPending ? (
    <Loading label="Loading the venue's markets…" />
  ) : markets.isError ? (
    <ErrorState error={markets.error} retry={() => void markets.refetch()} />
  ) : tradable.length === 0 ? (
    <p className="text-xs text-muted">The venue lists no active {connection.marketType} market.</p>
  ) : (
    <p className="text-xs text-muted" data-testid="trade-on-note">
      Sized on the connection&apos;s risk account ({connection.currency}); the stop and target are placed on{' '}
      {venueName(connection)}.
    </p>
  );
  return (
    <div className="flex flex-col gap-2 p-2 lg:h-[calc(100vh-49px)]">
      <div className="flex flex-wrap items-center gap-2">
        {symbol ? (
          <Select aria-label="Symbol" className="w-auto" value={symbol} onChange={(e) => chooseSymbol(e.target.value)}>
            {tradable.map((i) => (
              <option key={i.symbol} value={i.symbol}>
                {i.symbol}
              </option>
            ))}
          </Select>
        ) : null}
        {chartable ? (
          <Select aria-label="Timeframe" className="w-auto" value={tf} onChange={(e) => setTimeframe(e.target.value)}>
            {timeframes.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </Select>
        ) : null}
        {instrument ? (
          <span className="num text-sm" data-testid="last-price">
            <span className="text-xs text-muted">Last </span>
            {last ? money(last, Math.max(2, (instrument.tickSize.split('.')[1] ?? '').length)) : '–'} {instrument.quote}
          </span>
        ) : null}
        {connection ? (
          <span className="text-xs text-muted">via {connection.label}</span>
        ) : market?.feed ? (
          <span className="text-xs text-muted">{market.feed} feed</span>
        ) : null}
        {showReplay ? <ReplayBar replay={replay.data!} isAdmin={isAdmin} /> : null}
      </div>
      <div className="grid min-h-0 flex-1 gap-2 lg:grid-cols-[minmax(0,1fr)_360px]">
        <Card
          className={
            instrument && symbol && !chartable
              ? 'min-w-0 lg:h-auto' // no chart: only the note, no empty chart space on small screens
              : 'relative h-[340px] min-w-0 overflow-hidden sm:h-[420px] lg:h-auto'
          }
        >
          {!instrument || !symbol ? (
            <Empty>Choose a market to trade.</Empty>
          ) : !chartable ? (
            <Empty>
              No chart for {symbol} on this server (it charts its own feed&apos;s symbols). Type the entry, stop and
              target in the ticket: they are checked against the venue&apos;s tick {instrument.tickSize} and lot{' '}
              {instrument.lotSize}.
            </Empty>
          ) : candles.isPending ? (
            <Loading label="Loading bars…" />
          ) : candles.isError ? (
            <ErrorState error={candles.error} retry={() => void candles.refetch()} />
          ) : candles.data === null ? (
            <Empty>The chart needs the server&apos;s candles endpoint (GET /api/v1/candles).</Empty>
          ) : (
            <>
              <CandleChart
                symbol={symbol}
                timeframe={tf}
                bars={bars}
                tick={instrument.tickSize}
                lines={ticket.lines}
                side={ticket.side ?? 'buy'}
                entryType={ticket.entryType}
                onMove={ticket.move}
                onLastPrice={setLast}
                onRefetch={refetchCandles}
              />
              {bars.length === 0 ? (
                <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-muted">
                  No bars for {symbol} {tf} yet.
                </div>
              ) : null}
            </>
          )}
        </Card>
        <Card className="min-w-0 overflow-y-auto">
          <TicketPanel
            t={ticket}
            instrument={instrument}
            last={last}
            manualPrices={connection !== null}
            header={
              activeConnections.length > 0 ? (
                <TradeOn
                  connections={activeConnections}
                  value={connection?.id ?? null}
                  onChange={setConnectionId}
                  status={venueStatus}
                />
              ) : null
            }
          />
        </Card>
      </div>
    </div>
  );
}
