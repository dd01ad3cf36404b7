-- Optimisations split over machines (PostgreSQL, pg-boss): the grid of an optimisation job is cut into chunks of a
-- few grid points, each its own pg-boss job that any `testudo worker` (or the server) may take. A chunk's points are
-- stored as it finishes; the chunk that finishes last ranks every point into `optimization_results` and marks the job
-- done, in one transaction under the job row's lock (exactly once). A chunk that fails fails the whole job: its
-- points are deleted and no ranking is written. On PGlite the server runs an optimisation in-process, unchunked.

CREATE TABLE optimization_chunks (
  backtest_id bigint NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
  chunk integer NOT NULL,
  -- grid points [first_index, first_index + points), in grid order (after the constraint)
  first_index integer NOT NULL CHECK (first_index >= 0),
  points integer NOT NULL CHECK (points > 0),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- the process that ran it last (host:pid, or a worker's name)
  worker text,
  finished_at timestamptz,
  PRIMARY KEY (backtest_id, chunk)
);

-- Results of single grid points of a chunked optimisation, kept until the last chunk ranks them.
CREATE TABLE optimization_points (
  backtest_id bigint NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
  grid_index integer NOT NULL,
  params jsonb NOT NULL,
  stats jsonb,
  r_stats jsonb,
  error_code text,
  error_message text,
  PRIMARY KEY (backtest_id, grid_index)
);

-- Bars a finished job ran over (both engines; null until done).
ALTER TABLE backtests ADD COLUMN bars integer;
