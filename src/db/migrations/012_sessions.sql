-- Browser sessions (issue 11): a short-lived signed access token (JWT) names its session; each session is a family
-- of single-use refresh tokens stored as SHA-256. The old opaque session cookies are dropped (users log in again).
DELETE FROM auth_tokens WHERE kind = 'session';

CREATE TABLE sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- password, register, siwe, oidc
  method text NOT NULL CHECK (method ~ '^[a-z][a-z0-9-]*$'),
  mfa boolean NOT NULL DEFAULT false,
  user_agent text,
  address text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- when the newest refresh token expires (slides forward on each refresh)
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  -- logout, logout-all, revoked, refresh-token-reused
  revoked_reason text
);
CREATE INDEX sessions_user ON sessions(user_id, id);

CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- set when the token was exchanged for its successor; presenting it again after the grace window is reuse
  used_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

-- Keys shared by every process on this database: `session-jwt` signs access tokens (HS256) and derives CSRF tokens.
-- Created on first use (INSERT ... ON CONFLICT DO NOTHING, then read back), never logged.
CREATE TABLE server_keys (
  name text PRIMARY KEY,
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
