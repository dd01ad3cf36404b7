-- Journal entries (Markdown notes linked to trades), the Testudo Protocol's cooling-off period and hard ceilings,
-- the audit trail, onboarding, and API token ids. Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).

-- A journal entry: a title and a Markdown body (stored as text; the Desk renders and sanitises it), tags and an
-- optional collection ("playbook", "review", free text). `search` is the full-text vector of title and body
-- (English configuration), queried with websearch_to_tsquery through the GIN index.
CREATE TABLE journal_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  tags text[] NOT NULL DEFAULT '{}',
  collection text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, title || ' ' || body)) STORED
);
CREATE INDEX journal_entries_user ON journal_entries(user_id, id DESC);
CREATE INDEX journal_entries_search ON journal_entries USING gin(search);
CREATE INDEX journal_entries_tags ON journal_entries USING gin(tags);

-- Links of an entry to trades of its owner's own accounts.
CREATE TABLE journal_entry_trades (
  entry_id bigint NOT NULL REFERENCES journal_entries(id) ON DELETE CASCADE,
  trade_id bigint NOT NULL REFERENCES trades(id) ON DELETE CASCADE,
  PRIMARY KEY (entry_id, trade_id)
);
CREATE INDEX journal_entry_trades_trade ON journal_entry_trades(trade_id);

-- Loosening changes of a risk profile wait out the cooling-off period here, one row per field; they are applied
-- (moved into accounts.risk_profile) when the profile is read at or after effective_at.
CREATE TABLE risk_profile_pending (
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  field text NOT NULL,
  value jsonb NOT NULL,
  requested_at timestamptz NOT NULL,
  effective_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, field)
);

-- The deployment's protocol settings (one row): hard ceilings no profile may exceed, changed by admins only, and
-- the cooling-off period of loosening changes.
CREATE TABLE risk_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  max_risk_per_trade_pct numeric NOT NULL DEFAULT 2 CHECK (max_risk_per_trade_pct > 0 AND max_risk_per_trade_pct <= 100),
  max_drawdown_pct numeric NOT NULL DEFAULT 25 CHECK (max_drawdown_pct > 0 AND max_drawdown_pct <= 100),
  cooling_off_seconds integer NOT NULL DEFAULT 86400 CHECK (cooling_off_seconds >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO risk_settings DEFAULT VALUES;

-- The audit trail: who (actor) did what (action, kebab-case) to whose account (subject), from which address.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id bigint REFERENCES users(id) ON DELETE SET NULL,
  subject_user_id bigint REFERENCES users(id) ON DELETE SET NULL,
  action text NOT NULL CHECK (action ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  details jsonb NOT NULL DEFAULT '{}',
  address text
);
CREATE INDEX audit_log_subject ON audit_log(subject_user_id, id DESC);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id, id DESC);
CREATE INDEX audit_log_action ON audit_log(action, id DESC);

-- Set by the Desk after its first-run onboarding.
ALTER TABLE users ADD COLUMN onboarded_at timestamptz;

-- API tokens get an id so their owner can list and revoke them without the secret.
ALTER TABLE auth_tokens ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX auth_tokens_id ON auth_tokens(id);
