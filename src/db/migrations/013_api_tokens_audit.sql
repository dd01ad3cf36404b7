-- API tokens get scopes (read, trade, admin), an optional expiry (expires_at exists already) and their last use
-- (time and client address, written at most about once a minute per token). Tokens made before scopes existed had
-- every right of their user: they keep every scope (a token's effective scopes are always cut down to what its
-- user may do now, so a non-admin's token never acts as admin).
ALTER TABLE auth_tokens ADD COLUMN scopes text[];
UPDATE auth_tokens SET scopes = ARRAY['read', 'trade', 'admin'] WHERE kind = 'api';
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_scopes_known
  CHECK (scopes IS NULL OR scopes <@ ARRAY['read', 'trade', 'admin']::text[]);
ALTER TABLE auth_tokens ADD COLUMN last_used_at timestamptz;
ALTER TABLE auth_tokens ADD COLUMN last_used_address text;

-- The admin audit view filters by time.
CREATE INDEX audit_log_at ON audit_log(at, id);
