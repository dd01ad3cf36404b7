-- Issue 11: an optional TOTP second factor with recovery codes, and optional Stripe subscriptions.

-- One TOTP authenticator per user. The base32 secret is sealed with the server's SecretBox (`key_id` names the
-- sealing key, as for connections). `enabled_at` is null while the setup waits for its first code. `last_step` is
-- the last accepted 30-second time step: a code is accepted only for a later step, so none is used twice.
CREATE TABLE mfa_totp (
  user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_sealed text NOT NULL,
  key_id text NOT NULL,
  enabled_at timestamptz,
  last_step bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Recovery codes, shown once when TOTP is enabled, stored as SHA-256 hashes; each works once.
CREATE TABLE mfa_recovery_codes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz,
  UNIQUE (user_id, code_hash)
);

-- Keys of the second factor the server generates for itself, sealed with the SecretBox (`mfa-challenge`: the HMAC key
-- of sign-in challenges), so that every process sharing the database accepts the same challenges.
CREATE TABLE mfa_keys (
  name text PRIMARY KEY,
  sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A Stripe customer, the user it pays for (set by `checkout.session.completed`; may arrive after the subscription
-- events) and the state of its subscription. `state_at` is the `created` time (s) of the event that set the state,
-- so an older event delivered late does not overwrite a newer state.
CREATE TABLE stripe_customers (
  customer_id text PRIMARY KEY,
  user_id bigint REFERENCES users(id) ON DELETE SET NULL,
  subscription_id text,
  price_id text,
  plan text,
  status text,
  current_period_end timestamptz,
  state_at bigint,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_customers_user ON stripe_customers(user_id);

-- Stripe events already handled (webhooks are delivered at least once).
CREATE TABLE stripe_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
