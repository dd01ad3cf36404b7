/**
 * The replay's clock and controls. The replay is shared by every user (a step fills and closes everyone's trades),
 * so only admins get play, pause, step, speed and jump-to-date; everyone else sees the replay's time and state.
 * The state comes from `GET /replay` and every `replay` event; a refused control shows the server's message.
 */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Pause, Play, StepForward } from 'lucide-react';
import { ApiError } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/card';
import { Input, Select } from '@/components/ui/input';
import { utc } from '@/lib/format';
import { keys, replayControl, type ReplayView } from './api';

const SPEEDS = [0.5, 1, 2, 5, 10, 50];

/** Props of {@link ReplayBar}. */
export interface ReplayBarProps {
  replay: ReplayView;
  isAdmin: boolean;
}

/** The replay's state line, with the controls for admins. */
export function ReplayBar({ replay, isAdmin }: ReplayBarProps) {
  const qc = useQueryClient();
  const [date, setDate] = useState('');
  const act = useMutation({
    mutationFn: (f: () => Promise<ReplayView>) => f(),
    onSuccess: (v) => qc.setQueryData(keys.replay, v),
  });
  const error =
    act.error instanceof ApiError ? `${act.error.message} (${act.error.code})` : act.error ? String(act.error) : null;
  const state = replay.done ? 'ended' : replay.paused ? 'paused' : 'playing';
  return (
    <div className="flex flex-wrap items-center gap-2 text-xs" aria-label="Replay" role="group">
      <Badge tone={state === 'playing' ? 'profit' : 'warn'}>replay {state}</Badge>
      <span className="num text-muted" data-testid="replay-time">
        {utc(replay.time)} UTC · bar {replay.index}/{replay.total} · {replay.speed} bar/s
      </span>
      {isAdmin ? (
        <>
          {replay.paused ? (
            <Button
              size="sm"
              variant="outline"
              aria-label="Play"
              disabled={act.isPending || replay.done}
              onClick={() => act.mutate(replayControl.resume)}
            >
              <Play size={14} />
            </Button>
          ) : (
            <Button
              size="sm"
              variant="outline"
              aria-label="Pause"
              disabled={act.isPending}
              onClick={() => act.mutate(replayControl.pause)}
            >
              <Pause size={14} />
            </Button>
          )}
          <Button
            size="sm"
            variant="outline"
            aria-label="Step one bar"
            disabled={act.isPending || replay.done}
            onClick={() => act.mutate(() => replayControl.step(1))}
          >
            <StepForward size={14} /> Step
          </Button>
          <Select
            aria-label="Replay speed"
            className="h-7 w-auto py-0 text-xs"
            value={String(replay.speed)}
            onChange={(e) => act.mutate(() => replayControl.speed(Number(e.target.value)))}
          >
            {[...new Set([...SPEEDS, replay.speed])]
              .sort((a, b) => a - b)
              .map((s) => (
                <option key={s} value={s}>
                  {s} bar/s
                </option>
              ))}
          </Select>
          <form
            className="flex items-center gap-1"
            onSubmit={(e) => {
              e.preventDefault();
              if (date) act.mutate(() => replayControl.seek(date));
            }}
          >
            <Input
              type="date"
              aria-label="Jump to date"
              className="h-7 w-36 py-0 text-xs"
              value={date}
              onChange={(e) => setDate(e.target.value)}
            />
            <Button size="sm" variant="outline" type="submit" disabled={!date || act.isPending}>
              Go
            </Button>
          </form>
        </>
      ) : null}
      {error ? (
        <span role="alert" className="text-loss">
          {error}
        </span>
      ) : null}
    </div>
  );
}
