/**
 * Chart colours read from the theme's CSS variables (`--fg`, `--muted`, `--border`, `--panel`, `--accent`,
 * `--profit`, `--loss`, `--warn` in styles.css), so the charts follow the dark and light themes. The hook re-reads
 * them when the `class` of <html> changes (the theme switch).
 */
import { useEffect, useState } from 'react';

/** The theme's colours as CSS colour strings. */
export interface ChartColors {
  fg: string;
  muted: string;
  border: string;
  panel: string;
  panel2: string;
  accent: string;
  profit: string;
  loss: string;
  warn: string;
}

const FALLBACK: ChartColors = {
  fg: '#e6edf3',
  muted: '#8b98a8',
  border: '#263241',
  panel: '#121821',
  panel2: '#18212c',
  accent: '#3b82f6',
  profit: '#22c55e',
  loss: '#f87171',
  warn: '#f59e0b',
};

/** Reads the current theme colours from <html>'s computed style (the fallback outside a browser). */
export function readChartColors(): ChartColors {
  if (typeof document === 'undefined') return FALLBACK;
  const s = getComputedStyle(document.documentElement);
  const v = (name: string, fb: string): string => s.getPropertyValue(name).trim() || fb;
  return {
    fg: v('--fg', FALLBACK.fg),
    muted: v('--muted', FALLBACK.muted),
    border: v('--border', FALLBACK.border),
    panel: v('--panel', FALLBACK.panel),
    panel2: v('--panel-2', FALLBACK.panel2),
    accent: v('--accent', FALLBACK.accent),
    profit: v('--profit', FALLBACK.profit),
    loss: v('--loss', FALLBACK.loss),
    warn: v('--warn', FALLBACK.warn),
  };
}

/** The theme colours, updated when the theme changes. */
export function useChartColors(): ChartColors {
  const [colors, setColors] = useState<ChartColors>(readChartColors);
  useEffect(() => {
    const update = () => setColors(readChartColors());
    update();
    const obs = new MutationObserver(update);
    obs.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    return () => obs.disconnect();
  }, []);
  return colors;
}
