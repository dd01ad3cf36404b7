/**
 * "Start a run": a built-in strategy (its parameters appear below it, at their defaults, each with its description),
 * a chartable symbol and a timeframe (the symbol's feed timeframe first). Parameter mistakes show beside their field
 * before anything is sent; the server's field errors (`strategy`, `symbol`, `timeframe`, `params.<name>`) show
 * beside theirs, and anything else above the button. A started run opens its detail.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { Play } from 'lucide-react';
import { ApiError } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/input';
import { useInstruments, useMarketSymbols } from '@/features/trade/api';
import { useBuiltinStrategies, useStartRun } from './api';
import type { StartBody } from './types';
import { defaultValues, fieldOfCode, formErrors, readParams, type ParamField, type ParamValues } from './params';

/** A symbol the form offers, with its timeframes (the feed's first). */
interface SymbolChoice {
  symbol: string;
  timeframes: string[];
  /** The timeframe of the feed's bars, which a server-hosted run uses. */
  feedTimeframe: string | null;
}

function useSymbolChoices(): SymbolChoice[] {
  const symbols = useMarketSymbols();
  const instruments = useInstruments();
  return useMemo(() => {
    if (symbols.data)
      return symbols.data
        .filter((s) => s.feed !== null || s.tradable)
        .map((s) => ({
          symbol: s.symbol,
          feedTimeframe: s.feedTimeframe,
          timeframes: s.feedTimeframe
            ? [s.feedTimeframe, ...s.timeframes.filter((t) => t !== s.feedTimeframe)]
            : s.timeframes,
        }));
    return (instruments.data ?? []).map((i) => ({ symbol: i.symbol, timeframes: ['1h'], feedTimeframe: null }));
  }, [symbols.data, instruments.data]);
}

function ParamInput({
  f,
  value,
  error,
  onChange,
}: {
  f: ParamField;
  value: string;
  error: string | undefined;
  onChange(v: string): void;
}) {
  const bounds = [f.min !== undefined ? `min ${f.min}` : '', f.max !== undefined ? `max ${f.max}` : '']
    .filter(Boolean)
    .join(', ');
  return (
    <Field label={f.name} hint={bounds ? `${f.description} (${bounds})` : f.description} error={error}>
      {(p) =>
        f.type === 'boolean' ? (
          <Select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="true">yes</option>
            <option value="false">no</option>
          </Select>
        ) : (
          <Input
            {...p}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            inputMode={f.type === 'int' ? 'numeric' : f.type === 'number' ? 'decimal' : 'text'}
            autoComplete="off"
          />
        )
      }
    </Field>
  );
}

/** The start form, in its own card. */
export function StartRunForm({ className }: { className?: string }) {
  const navigate = useNavigate();
  const symbols = useSymbolChoices();
  const builtins = useBuiltinStrategies();
  const list = builtins.data ?? [];
  const [picked, setPicked] = useState('');
  const strategy = picked || (list[0]?.name ?? '');
  const def = list.find((s) => s.name === strategy);
  // null until a parameter is edited: the chosen strategy's defaults
  const [edited, setValues] = useState<ParamValues | null>(null);
  const values = edited ?? defaultValues(def?.params ?? []);
  const [symbol, setSymbol] = useState('');
  const [timeframe, setTimeframe] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});
  const start = useStartRun();

  const chosen = symbols.find((s) => s.symbol === symbol) ?? symbols[0];
  const tf = chosen && chosen.timeframes.includes(timeframe) ? timeframe : (chosen?.timeframes[0] ?? '');
  const apiErr = start.error instanceof ApiError ? start.error : null;
  const remote = apiErr ? formErrors(apiErr.fields) : {};
  const codeField = apiErr && apiErr.fields.length === 0 ? fieldOfCode(apiErr.code) : null;
  if (apiErr && codeField) remote[codeField] = apiErr.message;
  const general = !start.error
    ? null
    : apiErr && (apiErr.fields.length > 0 || codeField)
      ? (remote[''] ?? null)
      : apiErr
        ? `${apiErr.message} (${apiErr.code})`
        : start.error.message;
  const err = (k: string): string | undefined => local[k] ?? remote[k];

  const pick = (name: string) => {
    setPicked(name);
    setValues(null);
    setLocal({});
    start.reset();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.reset();
    const read = readParams(def?.params ?? [], values);
    const errors: Record<string, string> = {};
    if (!read.ok) for (const [k, m] of Object.entries(read.errors)) errors[`params.${k}`] = m;
    if (!chosen) errors.symbol = 'No symbol has market data yet.';
    setLocal(errors);
    if (!read.ok || !chosen) return;
    start.mutate(
      {
        strategy,
        symbol: chosen.symbol,
        // one of the timeframes `GET /market/symbols` lists (the same enum the server validates against)
        timeframe: tf as StartBody['timeframe'],
        params: read.params,
        host: 'server',
      },
      { onSuccess: (run) => void navigate(`/strategies/${run.id}`) },
    );
  };

  return (
    <Card className={className} role="region" aria-label="Start a run">
      <CardHeader title="Start a run" />
      <form onSubmit={submit} aria-label="Start a strategy run" noValidate className="flex flex-col gap-3 p-3">
        <Field
          label="Strategy"
          hint={
            builtins.isPending
              ? 'Loading the strategies…'
              : builtins.isError
                ? `The strategies could not be loaded: ${builtins.error.message}`
                : def?.description
          }
          error={err('strategy')}
        >
          {(p) => (
            <Select {...p} value={strategy} onChange={(e) => pick(e.target.value)}>
              {list.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <div className="grid grid-cols-2 gap-2">
          <Field label="Symbol" error={err('symbol')}>
            {(p) => (
              <Select {...p} value={chosen?.symbol ?? ''} onChange={(e) => setSymbol(e.target.value)}>
                {symbols.map((s) => (
                  <option key={s.symbol} value={s.symbol}>
                    {s.symbol}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field
            label="Timeframe"
            hint={chosen?.feedTimeframe ? `the feed's bars are ${chosen.feedTimeframe}` : undefined}
            error={err('timeframe')}
          >
            {(p) => (
              <Select {...p} value={tf} onChange={(e) => setTimeframe(e.target.value)}>
                {(chosen?.timeframes ?? []).map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        {def && def.params.length > 0 ? (
          <fieldset className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
            <legend className="mb-1 text-xs font-semibold text-muted">Parameters</legend>
            {def.params.map((f) => (
              <ParamInput
                key={`${strategy}.${f.name}`}
                f={f}
                value={values[f.name] ?? ''}
                error={err(`params.${f.name}`)}
                onChange={(v) => setValues({ ...values, [f.name]: v })}
              />
            ))}
          </fieldset>
        ) : null}
        <p className="text-xs text-muted">
          Runs on the server on the paper account. Every order goes through sizing from its stop and every rule of your
          protocol; an order without a stop-loss is refused.
        </p>
        {general ? (
          <p role="alert" className="text-sm text-loss">
            {general}
          </p>
        ) : null}
        <Button type="submit" disabled={start.isPending || !strategy}>
          <Play size={14} /> {start.isPending ? 'Starting…' : 'Start run'}
        </Button>
      </form>
    </Card>
  );
}
