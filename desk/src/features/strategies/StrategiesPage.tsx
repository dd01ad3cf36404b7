/**
 * The Strategies page (`/strategies`): the user's runs with their live statistics beside the form that starts a
 * run of a built-in strategy; `/strategies/:id` shows one run with its live event stream.
 */
import { useParams } from 'react-router';
import { RunDetail } from './RunDetail';
import { RunsList } from './RunsList';
import { StartRunForm } from './StartRunForm';

/** The page. */
export default function StrategiesPage() {
  const { id } = useParams();
  const runId = id !== undefined && /^\d+$/.test(id) ? Number(id) : null;
  return (
    <div className="mx-auto w-full max-w-6xl p-3">
      {runId !== null ? (
        <RunDetail key={runId} id={runId} />
      ) : (
        <div className="grid grid-cols-1 items-start gap-3 lg:grid-cols-[minmax(0,1fr)_360px]">
          <h1 className="sr-only">Strategies</h1>
          <RunsList className="min-w-0" />
          <StartRunForm className="lg:sticky lg:top-16" />
        </div>
      )}
    </div>
  );
}
