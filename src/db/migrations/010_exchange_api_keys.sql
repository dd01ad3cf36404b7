-- API keys of exchange accounts for the Binance-compatible gateway (src/server/binance). A key belongs to one
-- account and acts as the owner who created it (who must still own the account when it is used). The HMAC secret is
-- stored sealed by src/app/secrets.ts (AES-256-GCM, key id inside the ciphertext); it is shown once, at creation.
CREATE TABLE ex_api_keys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES ex_accounts(id) ON DELETE CASCADE,
  created_by bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  label text NOT NULL DEFAULT '',
  api_key text NOT NULL UNIQUE CHECK (api_key ~ '^[A-Za-z0-9]{64}$'),
  secret_sealed text NOT NULL,
  -- 'read': account, orders and trades (USER_DATA); 'trade': also place and cancel orders (TRADE)
  permission text NOT NULL CHECK (permission IN ('read', 'trade')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX ex_api_keys_account ON ex_api_keys(account_id, id);
