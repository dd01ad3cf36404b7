/**
 * UI state that outlives a page (kept in localStorage): theme and the symbol and timeframe the trader looks at.
 * Server state lives in TanStack Query, not here.
 */
import { create } from 'zustand';
import { persist } from 'zustand/middleware';

/** Colour theme. */
export type Theme = 'dark' | 'light';

interface UiStore {
  theme: Theme;
  symbol: string | null;
  timeframe: string;
  setTheme(t: Theme): void;
  setSymbol(s: string): void;
  setTimeframe(t: string): void;
}

/** The UI store. */
export const useUi = create<UiStore>()(
  persist(
    (set) => ({
      theme: 'dark',
      symbol: null,
      timeframe: '1h',
      setTheme: (theme) => set({ theme }),
      setSymbol: (symbol) => set({ symbol }),
      setTimeframe: (timeframe) => set({ timeframe }),
    }),
    { name: 'testudo-ui' },
  ),
);
