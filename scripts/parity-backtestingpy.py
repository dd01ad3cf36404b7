#!/usr/bin/env python3
"""Runs backtesting.py's SmaCross (its test suite's strategy) on one CSV and prints statistics and trades as JSON.

The Python side of scripts/parity-backtestingpy.ts (a developer tool, not part of CI). Needs pandas and numpy
(Debian: python3-pandas); bokeh is optional: when it is missing, backtesting.py's plotting module is replaced by a
stub before backtesting.py is imported (plots are never drawn here).

    python3 scripts/parity-backtestingpy.py --backtesting-py CHECKOUT --data bars.csv --fast 10 --slow 30 \
        [--cash 10000] [--commission 0.002 | FIXED+RATE] [--spread 0.001] [--finalize-trades] \
        [--trade-on-close] [--exclusive-orders] [--indicators sma.csv]

bars.csv: a header `time,Open,High,Low,Close,Volume`, time in ms UTC. sma.csv (optional): columns `fast,slow`, one
row per bar (empty for no value): the SMA values to use instead of pandas' rolling mean, so that a difference in the
last bit of an average (which can flip a crossover at an exact tie) does not hide the backtester's own differences.
Both files are read with float_precision='round_trip' (Python's correctly rounded float()): pandas' default C parser
is not, and reads about one of these values in eight one bit off, e.g. the SMA(12) 472.15000000000003 of GOOG
bar 697 as 472.15, which turns Testudo's 1-ulp crossover there into a tie and drops the trade. Output: one JSON object
{"version", "stats": {name: value}, "trades": [...]}; NaN and infinities as the strings "NaN", "Infinity",
"-Infinity"; times as ISO 8601 UTC; durations as pandas prints a Timedelta ("584 days 00:00:00").
"""
import argparse
import json
import math
import sys
import types
import warnings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--backtesting-py', required=True, help='a checkout of kernc/backtesting.py (at tag 0.6.6)')
    ap.add_argument('--data', required=True)
    ap.add_argument('--fast', type=int, required=True)
    ap.add_argument('--slow', type=int, required=True)
    ap.add_argument('--cash', type=float, default=10_000)
    ap.add_argument('--commission', default='0')
    ap.add_argument('--spread', type=float, default=0.0)
    ap.add_argument('--finalize-trades', action='store_true')
    ap.add_argument('--trade-on-close', action='store_true')
    ap.add_argument('--exclusive-orders', action='store_true')
    ap.add_argument('--indicators')
    a = ap.parse_args()

    sys.path.insert(0, a.backtesting_py)
    try:
        import bokeh  # noqa: F401
    except ImportError:
        stub = types.ModuleType('backtesting._plotting')

        def unavailable(*_args, **_kwargs):
            raise RuntimeError('plotting needs bokeh')

        stub.plot = unavailable
        stub.plot_heatmaps = unavailable
        stub.set_bokeh_output = lambda *_args, **_kwargs: None
        sys.modules['backtesting._plotting'] = stub

    import numpy as np
    import pandas as pd
    import backtesting
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover

    # round_trip: exactly the doubles the TypeScript side printed (shortest round-trip text); see the docstring.
    given = pd.read_csv(a.indicators, float_precision='round_trip') if a.indicators else None

    def SMA(values, n):
        if given is not None:
            return given['fast' if n == a.fast else 'slow'].to_numpy(dtype=float)
        # backtesting.py's test-suite SMA (backtesting/test/__init__.py).
        return pd.Series(values).rolling(n).mean()

    class SmaCross(Strategy):
        fast = 10
        slow = 30

        def init(self):
            self.sma1 = self.I(SMA, self.data.Close, self.fast)
            self.sma2 = self.I(SMA, self.data.Close, self.slow)

        def next(self):
            if crossover(self.sma1, self.sma2):
                self.position.close()
                self.buy()
            elif crossover(self.sma2, self.sma1):
                self.position.close()
                self.sell()

    df = pd.read_csv(a.data, float_precision='round_trip')
    df.index = pd.to_datetime(df.pop('time'), unit='ms')
    df.index.name = None
    commission = a.commission
    if '+' in commission:
        fixed, rate = commission.split('+', 1)
        commission = (float(fixed), float(rate))
    else:
        commission = float(commission)

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        bt = Backtest(df, SmaCross, cash=a.cash, commission=commission, spread=a.spread,
                      trade_on_close=a.trade_on_close, exclusive_orders=a.exclusive_orders,
                      finalize_trades=a.finalize_trades)
        stats = bt.run(fast=a.fast, slow=a.slow)

    def iso(t):
        return t.strftime('%Y-%m-%dT%H:%M:%S.') + f'{t.microsecond // 1000:03d}Z'

    def value(v):
        if v is None:
            return 'NaN'
        if isinstance(v, pd.Timestamp):
            return iso(v)
        if isinstance(v, pd.Timedelta):
            return str(v)
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            f = float(v)
            if math.isnan(f):
                return 'NaN'
            if math.isinf(f):
                return 'Infinity' if f > 0 else '-Infinity'
            return f
        if pd.isna(v):
            return 'NaN'
        return str(v)

    trades = [{
        'size': int(t.Size),
        'entryBar': int(t.EntryBar),
        'exitBar': int(t.ExitBar),
        'entryPrice': value(t.EntryPrice),
        'exitPrice': value(t.ExitPrice),
        'pnl': value(t.PnL),
        'commission': value(t.Commission),
        'returnPct': value(t.ReturnPct),
        'entryTime': iso(t.EntryTime),
        'exitTime': iso(t.ExitTime),
    } for t in stats['_trades'].itertuples()]
    out = {
        'version': version(backtesting, a.backtesting_py),
        'stats': {k: value(v) for k, v in stats.items() if not k.startswith('_')},
        'trades': trades,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


def version(module, checkout: str) -> str:
    """backtesting.__version__, or for a checkout without setuptools_scm's _version.py (a source archive, where it
    is '?.?.?') the first released version heading in its CHANGELOG.md, marked '(CHANGELOG.md)'."""
    import os
    import re
    v = getattr(module, '__version__', '?.?.?')
    if v != '?.?.?':
        return v
    try:
        with open(os.path.join(checkout, 'CHANGELOG.md'), encoding='utf-8') as f:
            m = re.search(r'^### (\d+\.\d+\.\d+)\s*$', f.read(), re.M)
    except OSError:
        m = None
    return f'{m.group(1)} (CHANGELOG.md)' if m else v


if __name__ == '__main__':
    main()
