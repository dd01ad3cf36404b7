-- A token made with another token (POST /api/v1/auth/tokens called with a bearer token) records that token as its
-- parent: revoking a token revokes every token made with it, transitively (src/app/api-tokens.ts, audited one
-- `token-revoked` each). ON DELETE CASCADE keeps the rule when a parent row goes any other way (its user deleted, a
-- revoke racing a child's creation, an operator's DELETE). Tokens made before this migration have no parent recorded.
-- Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).
ALTER TABLE auth_tokens ADD COLUMN parent_id bigint REFERENCES auth_tokens(id) ON DELETE CASCADE;
CREATE INDEX auth_tokens_parent ON auth_tokens(parent_id) WHERE parent_id IS NOT NULL;
