/**
 * The one {@link ApiKeyService} of an app context, shared by the key routes (`../exchange-key-routes.ts`) and the
 * gateway. The secret box is opened on first use (from the environment, see `src/app/secrets.ts`), so servers that
 * never touch API keys never create a key file.
 */
import type { AppContext } from '../../app/context.ts';
import { ApiKeyService } from '../../app/exchange/api-keys.ts';
import { openSecretBox } from '../../app/secrets.ts';

const services = new WeakMap<AppContext, ApiKeyService>();

/** The API key service of `ctx` (created on first call). */
export function apiKeysOf(ctx: AppContext): ApiKeyService {
  let s = services.get(ctx);
  if (!s) {
    s = new ApiKeyService(ctx.sql, () => openSecretBox());
    services.set(ctx, s);
  }
  return s;
}
