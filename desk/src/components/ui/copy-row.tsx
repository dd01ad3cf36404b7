import { useState } from 'react';
import { Button } from './button';

/** Props of {@link CopyRow}. */
export interface CopyRowProps {
  /** What the value is (shown above it; the value's accessible name). */
  label: string;
  value: string;
  /** Accessible name of the Copy button; default `Copy <label>`. */
  copyLabel?: string;
}

/**
 * A secret or other long value shown once, with a Copy button; says whether the browser let it be copied (and how
 * to copy it by hand when not). The value wraps anywhere, so it never widens the page.
 */
export function CopyRow({ label, value, copyLabel }: CopyRowProps) {
  const [note, setNote] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setNote('Copied.');
    } catch {
      setNote('The browser did not allow copying: select the text and copy it by hand.');
    }
  };
  return (
    <div className="flex flex-col gap-1">
      <span className="text-xs font-medium text-muted">{label}</span>
      <div className="flex items-start gap-2">
        <code className="num min-w-0 flex-1 break-all rounded bg-panel px-2 py-1 text-xs" aria-label={label}>
          {value}
        </code>
        <Button
          size="sm"
          variant="outline"
          aria-label={copyLabel ?? `Copy ${label.toLowerCase()}`}
          onClick={() => void copy()}
        >
          Copy
        </Button>
      </div>
      {note ? (
        <p role="status" className="text-xs text-muted">
          {note}
        </p>
      ) : null}
    </div>
  );
}
