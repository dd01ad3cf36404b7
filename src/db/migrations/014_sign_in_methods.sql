-- Sign-in methods besides e-mail and password: Sign-In with Ethereum (wallet addresses and their single-use nonces)
-- and OpenID Connect (identities by issuer and subject, and the pending logins' state, nonce and PKCE verifier).
-- A user who signed up through one of them has no password (password login refuses such a user).
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

-- Ethereum addresses linked to users, lower-cased; an address belongs to one user at most.
CREATE TABLE user_wallets (
  address text PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  chain_id bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX user_wallets_user ON user_wallets(user_id);

-- Nonces handed out for SIWE messages: valid until expires_at, used once.
CREATE TABLE siwe_nonces (
  nonce text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX siwe_nonces_expires ON siwe_nonces(expires_at);

-- OpenID Connect identities: (issuer, subject) is the provider's stable id of the person.
CREATE TABLE oidc_identities (
  issuer text NOT NULL,
  subject text NOT NULL,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  PRIMARY KEY (issuer, subject)
);
CREATE INDEX oidc_identities_user ON oidc_identities(user_id);

-- Logins sent to the provider and not yet back: SHA-256 of the state, the ID token nonce and the PKCE verifier.
CREATE TABLE oidc_logins (
  state_hash text PRIMARY KEY,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins(expires_at);
