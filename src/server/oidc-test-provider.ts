/**
 * Test helper: a real OpenID Connect provider (`oidc-provider`, a dev dependency) on 127.0.0.1 for the OIDC login
 * tests (API and Desk). Its login and consent interactions are answered by a minimal handler: `GET
 * /interaction/:uid` shows a form asking who signs in, its POST logs that person in
 * (`provider.interactionFinished`), and consent is granted for whatever the client asked for.
 *
 * Two steps because each side must know the other's port: {@link listenTestProvider} gives the issuer URL (for
 * Testudo's settings), then `start(redirectUris)` registers the Testudo client once Testudo listens.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** A person at the provider: the claims it releases (scope `email`). */
export interface TestPerson {
  email: string;
  email_verified: boolean;
}

/** The listening provider. */
export interface TestProvider {
  /** `http://127.0.0.1:<port>` */
  issuer: string;
  /** Client id and secret Testudo must use. */
  clientId: string;
  clientSecret: string;
  /** Starts answering, with the Testudo client allowed to redirect to `redirectUris`. */
  start(redirectUris: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Listens on a free loopback port; people are subject → claims. */
export async function listenTestProvider(people: Record<string, TestPerson>): Promise<TestProvider> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'testudo';
  const clientSecret = 'a client secret of the test';
  return {
    issuer,
    clientId,
    clientSecret,
    async start(redirectUris) {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const config: Configuration = {
        jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: redirectUris,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_post',
          },
        ],
        findAccount: (_ctx, sub) =>
          people[sub] ? { accountId: sub, claims: () => ({ sub, ...people[sub] }) } : undefined,
        claims: { openid: ['sub'], email: ['email', 'email_verified'] },
        cookies: { keys: ['cookie key of the test provider'] },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        pkce: { required: () => true },
      };
      const provider = new Provider(issuer, config);
      server.on('request', interactions(provider, people));
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

function interactions(provider: Provider, people: Record<string, TestPerson>) {
  const callback = provider.callback();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!req.url?.startsWith('/interaction/')) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(
            '<!doctype html><title>Test IdP</title><form method="post"><label>Who are you? ' +
              '<input name="login" autofocus></label> <button type="submit">Continue</button></form>',
          );
          return;
        }
        let body = '';
        for await (const chunk of req) body += String(chunk);
        const login = new URLSearchParams(body).get('login') ?? '';
        if (!people[login]) {
          res.writeHead(400).end('unknown person');
          return;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      // consent: grant what the client asked for
      const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      const grant = new provider.Grant({
        accountId: details.session!.accountId,
        clientId: String(details.params.client_id),
      });
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  };
}
