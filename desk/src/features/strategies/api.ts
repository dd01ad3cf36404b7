/**
 * Server state of the Strategies page: the user's runs (`GET /api/v1/strategy-runs`, polled while one is running),
 * one run, starting and stopping runs, a run's persisted events (`GET …/events?after=&limit=`, oldest first: every
 * page is fetched in turn so the history is complete), its live stream (`WS /ws/strategies/:id`, see `stream.ts`)
 * its parity report's totals when that route answers, and the built-in strategies a run can host.
 */
import { useEffect, useMemo, useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, ApiError, refreshSession, unwrap } from '@/api/client';
import { mergeEvents, parseStreamMessage } from './events';
import { paritySummary } from './parity';
import { RunStream, streamUrl, type StreamState } from './stream';
import { strategyChoices, type StrategyChoice } from './params';
import type { Run, RunEvent, StartBody } from './types';

const idPath = (id: number) => ({ params: { path: { id } } });

/** Events per page of the persisted history. */
export const EVENT_PAGE = 200;
/** How often the run list refreshes its live statistics while a run is running, ms. */
export const RUNS_POLL_MS = 5_000;

/** Query keys of this feature. */
export const runKeys = {
  all: ['strategy-runs'] as const,
  list: ['strategy-runs', 'list'] as const,
  run: (id: number) => ['strategy-runs', 'run', id] as const,
  events: (id: number) => ['strategy-runs', 'events', id] as const,
  parity: (id: number) => ['strategy-runs', 'parity', id] as const,
  builtins: ['builtin-strategies'] as const,
};

/** The built-in strategies a run can host on the server, with their parameters (they change only with the server). */
export function useBuiltinStrategies() {
  return useQuery({
    queryKey: runKeys.builtins,
    queryFn: async (): Promise<StrategyChoice[]> =>
      strategyChoices((await unwrap(api.GET('/api/v1/builtin-strategies'))).strategies),
    staleTime: Infinity,
  });
}

/** The user's runs, newest first; refreshed every {@link RUNS_POLL_MS} while one is running. */
export function useRuns() {
  return useQuery({
    queryKey: runKeys.list,
    queryFn: async (): Promise<Run[]> => (await unwrap(api.GET('/api/v1/strategy-runs'))).runs,
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === 'running') ? RUNS_POLL_MS : false),
  });
}

/** Run `id`. */
export function useRun(id: number) {
  return useQuery({
    queryKey: runKeys.run(id),
    queryFn: (): Promise<Run> => unwrap(api.GET('/api/v1/strategy-runs/{id}', idPath(id))),
  });
}

/** Puts a fresh copy of a run in the cache (the run's own query and its row in the list). */
export function storeRun(qc: QueryClient, run: Run): void {
  qc.setQueryData(runKeys.run(run.id), run);
  qc.setQueryData<Run[]>(runKeys.list, (list) => list?.map((r) => (r.id === run.id ? run : r)));
}

/** Starts a run. @throws ApiError with field errors (`strategy`, `symbol`, `timeframe`, `params.<name>`…). */
export function useStartRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StartBody): Promise<Run> => unwrap(api.POST('/api/v1/strategy-runs', { body })),
    onSuccess: (run) => {
      qc.setQueryData(runKeys.run(run.id), run);
      void qc.invalidateQueries({ queryKey: runKeys.list });
    },
  });
}

/** Stops a run (its open trades stay as they are, managed by their brackets). */
export function useStopRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number): Promise<Run> => unwrap(api.POST('/api/v1/strategy-runs/{id}/stop', idPath(id))),
    onSuccess: (run) => {
      storeRun(qc, run);
      void qc.invalidateQueries({ queryKey: runKeys.list });
    },
  });
}

/**
 * Run `id`'s persisted events, every page fetched in turn (the API pages oldest first with `after`), and the live
 * events from its stream, merged: each event once, newest first. `state` is the stream's connection state. After
 * the stream (re)opens the history is fetched again, so nothing published while it was down is missed.
 */
export function useRunEvents(id: number) {
  const qc = useQueryClient();
  const history = useInfiniteQuery({
    queryKey: runKeys.events(id),
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/strategy-runs/{id}/events', {
          params: { path: { id }, query: { after: pageParam, limit: EVENT_PAGE } },
        }),
      ),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = history;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const [live, setLive] = useState<RunEvent[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    setLive([]);
    const stream = new RunStream({
      url: streamUrl(id),
      renew: refreshSession,
      onState: (s) => {
        setState(s);
        if (s === 'open') void qc.invalidateQueries({ queryKey: runKeys.events(id) });
      },
      onMessage: (text) => {
        const m = parseStreamMessage<Run, RunEvent>(text);
        if (!m) return;
        if (m.type === 'run') storeRun(qc, m.run);
        else setLive((l) => mergeEvents(l, [m.event]));
      },
    });
    return () => stream.close();
  }, [id, qc]);

  const events = useMemo(
    () => mergeEvents(history.data?.pages.flatMap((p) => p.events) ?? [], live),
    [history.data, live],
  );
  return { events, history, state, catchingUp: hasNextPage || isFetchingNextPage };
}

/**
 * The totals of run `id`'s parity report, or null when the route does not answer (not there, or no report for
 * this run): the Desk then shows nothing about parity. Asked once the run has `trades` (closed and open), and again
 * whenever that number changes.
 */
export function useParity(id: number, trades: number) {
  return useQuery({
    queryKey: [...runKeys.parity(id), trades],
    enabled: trades > 0,
    placeholderData: (previous) => previous,
    retry: false,
    staleTime: 60_000,
    queryFn: async () => {
      try {
        return paritySummary(await unwrap(api.GET('/api/v1/strategy-runs/{id}/parity', idPath(id))));
      } catch (e) {
        if (e instanceof ApiError) return null;
        throw e;
      }
    },
  });
}
