/**
 * Generated from the Testudo server's OpenAPI document by `npm run gen:api`: do not edit by hand.
 */
export interface paths {
  '/api/v1/admin/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The audit trail, admins only: admin actions (market, replay, minting, deposits, settlement, users, risk ceilings) and security events (login-succeeded, login-failed with the address and e-mail tried, token-created, token-revoked, session and second-factor events), newest first. Filters: action, actor, subject, userId (actor or subject), from (inclusive), to (exclusive); pages of `limit`, the next one with `cursor` = nextCursor. */
    get: {
      parameters: {
        query?: {
          /** @description e.g. login-failed, token-created, admin-granted, market-created */
          action?: string;
          /** @description entries this user made */
          actor?: number;
          /** @description the previous page’s nextCursor */
          cursor?: number;
          /** @description ISO 8601: entries at or after this time */
          from?: string;
          limit?: number;
          /** @description entries about this user */
          subject?: number;
          /** @description ISO 8601: entries before this time */
          to?: string;
          /** @description entries where this user is actor or subject */
          userId?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              entries: {
                action: string;
                /** @description null: the system (a pending change applied) */
                actorUserId: number | null;
                address: string | null;
                /** @description ISO 8601 UTC */
                at: string;
                details: {
                  [key: string]: unknown;
                };
                id: number;
                subjectUserId: number | null;
              }[];
              /** @description pass as `cursor` for the next page; null on the last page */
              nextCursor: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/risk-ceilings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ceilings: {
                maxDrawdownPct: string;
                maxRiskPerTradePct: string;
              };
              coolingOffSeconds: number;
            };
          };
        };
      };
    };
    put: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description cooling-off period of loosening changes */
            coolingOffSeconds?: number;
            /** @description ceiling of the drawdown halt, percent */
            maxDrawdownPct?: string | number;
            /** @description ceiling of risk per trade, percent */
            maxRiskPerTradePct?: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ceilings: {
                maxDrawdownPct: string;
                maxRiskPerTradePct: string;
              };
              coolingOffSeconds: number;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          /** @description the previous page’s nextCursor */
          cursor?: number;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description pass as `cursor` for the next page; null on the last page */
              nextCursor: string | null;
              users: {
                /** @description ISO 8601 UTC */
                createdAt: string;
                email: string;
                id: number;
                isAdmin: boolean;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/users/{id}/admin': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            admin: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: {
                /** @description ISO 8601 UTC */
                createdAt: string;
                email: string;
                id: number;
                isAdmin: boolean;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          /** @description the previous page’s nextCursor */
          cursor?: number;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              entries: {
                action: string;
                /** @description null: the system (a pending change applied) */
                actorUserId: number | null;
                address: string | null;
                /** @description ISO 8601 UTC */
                at: string;
                details: {
                  [key: string]: unknown;
                };
                id: number;
                subjectUserId: number | null;
              }[];
              /** @description pass as `cursor` for the next page; null on the last page */
              nextCursor: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: email */
            email: string;
            password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json':
              | {
                  user: {
                    email: string;
                    id: number;
                    isAdmin?: boolean;
                  };
                }
              | {
                  /** @description short-lived; send it back with the code */
                  challenge: string;
                  /** @enum {boolean} */
                  mfaRequired: true;
                };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ok: boolean;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/logout-all': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Ends every session of the user, this one included (audited logout-all). */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ok: boolean;
              revoked: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              account: {
                /** @description decimal text */
                balance: string;
                consecutiveLosses: number;
                /** @description ISO 8601 UTC */
                haltedAt: string | null;
                /** @description ISO 8601 UTC */
                lastLossAt: string | null;
                openPositions: number;
                /** @description decimal text */
                openRisk: string;
                /** @description decimal text */
                peakEquity: string;
                /** @description UTC day (YYYY-MM-DD) of realizedPnlToday */
                realizedPnlDay: string | null;
                /** @description decimal text */
                realizedPnlToday: string;
                /** @description decimal text */
                reserved: string;
              };
              /** @description ISO 8601 UTC */
              createdAt: string;
              isAdmin: boolean;
              /** @description set by POST /auth/onboarded after the Desk’s first-run onboarding */
              onboarded: boolean;
              user: {
                email: string;
                id: number;
                isAdmin?: boolean;
              };
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/methods': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The sign-in methods this server offers (the Desk shows a button for each). */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              oidc: {
                name: string;
              } | null;
              password: boolean;
              siwe: boolean;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/mfa': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              totp: {
                /** @description codes are asked for at sign-in */
                enabled: boolean;
                enabledAt: string | null;
                /** @description a setup waits for its first code */
                pending: boolean;
                recoveryCodesLeft: number;
              };
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/mfa/totp/disable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            code?: string;
            password?: string;
            recoveryCode?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ok: boolean;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/mfa/totp/enable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            code: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {boolean} */
              enabled: true;
              /** @description shown this once; each works once instead of a code */
              recoveryCodes: string[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/mfa/totp/setup': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description base32; type it into the authenticator app */
              secret: string;
              /** @description otpauth:// URI (for a QR code) */
              uri: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/mfa/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            challenge: string;
            code?: string;
            recoveryCode?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: {
                email: string;
                id: number;
                isAdmin?: boolean;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/oidc/callback': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Where the provider sends the browser back: signs in and redirects to / (errors: /login?error=oidc-bad-state, oidc-denied, oidc-exchange-failed, oidc-unavailable). */
    get: {
      parameters: {
        query?: {
          code?: string;
          error?: string;
          error_description?: string;
          iss?: string;
          state?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/oidc/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Redirects (302) to the identity provider; 404 oidc-not-configured when OIDC is off. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/onboarded': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ok: boolean;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Exchanges the refresh cookie for new access, refresh and CSRF cookies. 401 refresh-invalid: sign in again; 401 refresh-token-reused: the refresh token was used before and the session is now revoked. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description ISO 8601 UTC: when the new access token expires */
              accessExpiresAt: string;
              ok: boolean;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/register': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: email */
            email: string;
            password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: {
                email: string;
                id: number;
                isAdmin?: boolean;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              sessions: {
                /** @description IP address of the sign-in or the latest refresh */
                address: string | null;
                createdAt: string;
                /** @description the session of this request */
                current: boolean;
                /** @description browser and system from the User-Agent, e.g. "Firefox on Linux" */
                device: string;
                /** @description when the session ends unless refreshed */
                expiresAt: string;
                id: number;
                /** @description updated at most once a minute */
                lastSeenAt: string;
                /** @description password, register, siwe, oidc */
                method: string;
                mfa: boolean;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** @description Revokes one of the user's sessions (audited session-revoked); another user's id: 404. */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ok: boolean;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/siwe/nonce': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description A single-use nonce for a Sign-In with Ethereum message, valid for 10 minutes. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              expiresAt: string;
              nonce: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/siwe/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Signs in with a signed EIP-4361 message (nonce from /siwe/nonce, this server's domain and origin, an accepted chain, within its validity window). The first sign-in of a wallet creates its user. 401 codes: siwe-malformed, siwe-bad-nonce, siwe-wrong-domain, siwe-wrong-uri, siwe-wrong-chain, siwe-expired, siwe-not-yet-valid, siwe-bad-signature. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the EIP-4361 message as signed */
            message: string;
            /** @description personal_sign (EIP-191) signature of the message */
            signature: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json':
              | {
                  user: {
                    email: string;
                    id: number;
                    isAdmin?: boolean;
                  };
                }
              | {
                  /** @description short-lived; send it back with the code */
                  challenge: string;
                  /** @enum {boolean} */
                  mfaRequired: true;
                };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Your API tokens, newest first, expired ones included. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tokens: {
                /** @description ISO 8601 UTC */
                createdAt: string;
                /** @description an expired token authenticates nobody */
                expired: boolean;
                /** @description null: never expires */
                expiresAt: string | null;
                id: number;
                /** @description client address of that request */
                lastUsedAddress: string | null;
                /** @description last request made with it, precise to about a minute; null: never used */
                lastUsedAt: string | null;
                name: string;
                scopes: ('read' | 'trade' | 'admin')[];
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Makes an API token (send it as Authorization: Bearer <token>, or ?token= on a WebSocket). 403 insufficient-scope when asking for a scope the caller may not hand out (admin for a non-admin, or more than the calling token has); 400 validation-failed for an expiry in the past or too far ahead, or (made with a token) later than that token's expiry; made with an expiring token and no expiry, it expires with it. A token made with a token is revoked with it. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: date-time
             * @description ISO 8601 expiry, in the future and at most 3650 days ahead; not with expiresInDays
             */
            expiresAt?: string;
            /** @description expires this many days from now; absent (and no expiresAt): never expires */
            expiresInDays?: number;
            /** @default api */
            name?: string;
            /** @description read: GET requests and WebSocket channels; trade: every other request; admin: admin-only routes (admins only). Default read and trade. A token can only make tokens with scopes it has itself. */
            scopes?: ('read' | 'trade' | 'admin')[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description ISO 8601 UTC */
              createdAt: string;
              /** @description an expired token authenticates nobody */
              expired: boolean;
              /** @description null: never expires */
              expiresAt: string | null;
              id: number;
              /** @description client address of that request */
              lastUsedAddress: string | null;
              /** @description last request made with it, precise to about a minute; null: never used */
              lastUsedAt: string | null;
              name: string;
              note: string;
              scopes: ('read' | 'trade' | 'admin')[];
              /** @description the secret (tdo_…): shown once, stored only hashed */
              token: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/tokens/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** @description Revokes one of your API tokens at once, and every token made with it (and theirs, transitively); their open WebSockets close with 4401 token-revoked. 404 token-not-found for an id that is not yours. */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description revoked */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': null;
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/wallets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              wallets: {
                /** @description lower-case 0x address */
                address: string;
                chainId: number;
                createdAt: string;
                lastUsedAt: string | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Links the wallet of a signed Sign-In with Ethereum message to the signed-in user. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the EIP-4361 message as signed */
            message: string;
            /** @description personal_sign (EIP-191) signature of the message */
            signature: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              wallet: {
                /** @description lower-case 0x address */
                address: string;
                chainId: number;
                createdAt: string;
                lastUsedAt: string | null;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/wallets/{address}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          address: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ok: boolean;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/backtests': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            data: {
              /** @description inclusive, ISO 8601 */
              from?: string;
              symbol: string;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description exclusive, ISO 8601 */
              to?: string;
            };
            options?: {
              /** @description starting cash, quote currency (default "10000") */
              cash?: string | number;
              /** @description per fill: a fraction of traded value, or { fixed, rate } */
              commission?:
                | (string | number)
                | {
                    /** @description non-negative decimal, e.g. "0.001" */
                    fixed: string | number;
                    /** @description non-negative decimal, e.g. "0.001" */
                    rate: string | number;
                  };
              exclusiveOrders?: boolean;
              finalizeTrades?: boolean;
              /** @description size of one lot in units (default "1") */
              lotSize?: string | number;
              /** @description fraction added to the entry price against the trader */
              spread?: string | number;
              /** @description Testudo mode with the default risk profile (`testudo backtest --risk PCT`) */
              testudo?: {
                /** @description risk per trade, percent of equity (default: the protocol default) */
                riskPerTradePct?: string | number;
              };
              tradeOnClose?: boolean;
            };
            /** @description over the saved strategy’s defaults */
            params?: {
              [key: string]: number | boolean | string;
            };
            strategy?: string;
            strategyId?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/backtests/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/billing/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description subscriptions are on (when off nothing is gated) */
              billing: boolean;
              currentPeriodEnd: string | null;
              /** @description live trading and optimisation jobs are open to the user */
              paid: boolean;
              plan: string | null;
              /** @description Stripe's subscription status */
              status: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/billing/stripe/webhook': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Stripe's webhook (Stripe-Signature checked over the raw body) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              duplicate: boolean;
              /** @enum {boolean} */
              received: true;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/builtin-strategies': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The built-in strategies a run can host on the server (host "server"), with their parameters. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              strategies: {
                description: string;
                /** @description kebab-case name to pass as `strategy` when starting a run */
                name: string;
                /** @description declared parameters by name, in declaration order */
                params: {
                  [key: string]: {
                    default: number | boolean | string;
                    description: string;
                    /** @description largest allowed value (numbers) */
                    max?: number;
                    /** @description smallest allowed value (numbers) */
                    min?: number;
                    /** @enum {string} */
                    type: 'int' | 'number' | 'boolean' | 'string';
                  };
                };
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/candles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query: {
          /** @description bars opening at or after this time */
          from?: string;
          /** @description the newest `limit` bars of the range */
          limit?: number;
          /** @description e.g. BTC-USD */
          symbol: string;
          /** @description 1m 5m 15m 1h 4h 1d 1w */
          timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
          /** @description bars opening before this time (default: now) */
          to?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description ascending by time */
              bars: {
                close: string;
                /** @description false for a bar still forming (the current higher-timeframe bucket) */
                complete: boolean;
                high: string;
                low: string;
                open: string;
                /** @description open time, epoch seconds UTC (lightweight-charts UTCTimestamp) */
                time: number;
                /** @description base units */
                volume: string;
              }[];
              /**
               * @description the feed serving the symbol, or null
               * @enum {string|null}
               */
              feed: 'replay' | 'live' | null;
              /** @description the feed's clock, epoch seconds: no bar closes after it */
              feedTime: number | null;
              /** @description older bars exist in the range: ask again with to = bars[0].time */
              more: boolean;
              symbol: string;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/candles/import': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Admins: the raw candle file as the body (text/csv, application/json, application/gzip or application/octet-stream; gzip is detected by its bytes; at most 100 MB). Answers 202 with the job; progress and the outcome come as import-progress, import-done and import-failed events on /ws. */
    post: {
      parameters: {
        query: {
          /** @description detected from the content when omitted */
          format?: 'csv' | 'yahoo' | 'cryptodatadownload' | 'json' | 'trades';
          /** @description e.g. BTC-USD */
          symbol: string;
          /** @description inferred from the bar spacing when omitted; 1m for trades */
          timeframe?: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description upload bytes read so far */
              bytes: number;
              createdAt: string;
              /** @description why it failed: validation-failed with the file line in fields, or internal-error */
              error: {
                code: string;
                fields?: {
                  code: string;
                  field: string;
                  /** @description 1-based line (CSV) or array element (JSON) of the problem */
                  line?: number;
                  message: string;
                }[];
                message: string;
              } | null;
              finishedAt: string | null;
              format: string | null;
              id: string;
              /** @enum {string} */
              phase: 'queued' | 'parsing' | 'storing' | 'done' | 'failed';
              result: {
                candles: number;
                first: string | null;
                format: string;
                inserted: number;
                last: string | null;
                outOfOrder: {
                  firstLine: number;
                  rows: number;
                } | null;
                rolledUp: {
                  [key: string]: number;
                };
                /** @enum {string} */
                timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
                trades: number | null;
                unchanged: number;
                updated: number;
              } | null;
              /** @description candles stored so far */
              rows: number;
              /** @description candles in the file, once parsed */
              rowsTotal: number | null;
              /** @enum {string} */
              status: 'queued' | 'running' | 'done' | 'failed';
              symbol: string;
              /** @enum {string|null} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w' | null;
              /** @description upload size in bytes */
              total: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/candles/imports/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description upload bytes read so far */
              bytes: number;
              createdAt: string;
              /** @description why it failed: validation-failed with the file line in fields, or internal-error */
              error: {
                code: string;
                fields?: {
                  code: string;
                  field: string;
                  /** @description 1-based line (CSV) or array element (JSON) of the problem */
                  line?: number;
                  message: string;
                }[];
                message: string;
              } | null;
              finishedAt: string | null;
              format: string | null;
              id: string;
              /** @enum {string} */
              phase: 'queued' | 'parsing' | 'storing' | 'done' | 'failed';
              result: {
                candles: number;
                first: string | null;
                format: string;
                inserted: number;
                last: string | null;
                outOfOrder: {
                  firstLine: number;
                  rows: number;
                } | null;
                rolledUp: {
                  [key: string]: number;
                };
                /** @enum {string} */
                timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
                trades: number | null;
                unchanged: number;
                updated: number;
              } | null;
              /** @description candles stored so far */
              rows: number;
              /** @description candles in the file, once parsed */
              rowsTotal: number | null;
              /** @enum {string} */
              status: 'queued' | 'running' | 'done' | 'failed';
              symbol: string;
              /** @enum {string|null} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w' | null;
              /** @description upload size in bytes */
              total: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              connections: {
                /** @description the risk account trades through this connection are sized on */
                accountId: number;
                /** @description the allowlisted API origin, or null for the exchange’s own */
                baseUrl: string | null;
                /**
                 * @description the connection’s circuit breaker
                 * @enum {string}
                 */
                breaker: 'closed' | 'open' | 'half-open';
                createdAt: string;
                /** @description quote currency of the risk account */
                currency: string;
                /** @description CCXT exchange id (binance, bybit, okx, hyperliquid) or testudo */
                exchange: string;
                id: number;
                label: string;
                /** @description the venue’s reason the last test failed */
                lastError: string | null;
                lastTestedAt: string | null;
                /** @enum {string} */
                marketType: 'spot' | 'swap';
                sandbox: boolean;
                settings: {
                  /**
                   * @description an open position without a stop on the venue: place one (default) or report it
                   * @enum {string}
                   */
                  missingStop?: 'place' | 'report';
                  /** @description venue symbols this connection trades */
                  symbols?: string[];
                };
                /** @enum {string} */
                status: 'active' | 'disabled';
                /** @enum {string} */
                venue: 'sim' | 'ccxt' | 'hyperliquid';
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description an API origin allowlisted by the server (TESTUDO_VENUE_URLS) */
            baseUrl?: string;
            /** @description sealed at rest (AES-256-GCM), never returned */
            credentials: {
              /** @description API key (ccxt, sim) */
              apiKey?: string;
              /** @description API passphrase (okx) */
              password?: string;
              /** @description agent wallet private key, 0x + 64 hex (hyperliquid) */
              privateKey?: string;
              /** @description API secret (ccxt, sim) */
              secret?: string;
              /** @description main account address, 0x + 40 hex (hyperliquid) */
              walletAddress?: string;
            };
            /** @description quote currency of the risk account: USDT; sim USD; hyperliquid USDC */
            currency?: string;
            /** @description ccxt: binance | bybit | okx; implied for sim and hyperliquid */
            exchange?: string;
            /** @description import the last 90 days of fills (default true) */
            import?: boolean;
            /** @description unique among your connections */
            label: string;
            /**
             * @description default spot (hyperliquid: swap)
             * @enum {string}
             */
            marketType?: 'spot' | 'swap';
            /** @description use the exchange’s testnet */
            sandbox?: boolean;
            settings?: {
              /**
               * @description an open position without a stop on the venue: place one (default) or report it
               * @enum {string}
               */
              missingStop?: 'place' | 'report';
              /** @description venue symbols this connection trades */
              symbols?: string[];
            };
            /** @enum {string} */
            venue: 'sim' | 'ccxt' | 'hyperliquid';
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description the risk account trades through this connection are sized on */
              accountId: number;
              /** @description the allowlisted API origin, or null for the exchange’s own */
              baseUrl: string | null;
              /**
               * @description the connection’s circuit breaker
               * @enum {string}
               */
              breaker: 'closed' | 'open' | 'half-open';
              createdAt: string;
              /** @description quote currency of the risk account */
              currency: string;
              /** @description CCXT exchange id (binance, bybit, okx, hyperliquid) or testudo */
              exchange: string;
              id: number;
              label: string;
              /** @description the venue’s reason the last test failed */
              lastError: string | null;
              lastTestedAt: string | null;
              /** @enum {string} */
              marketType: 'spot' | 'swap';
              sandbox: boolean;
              settings: {
                /**
                 * @description an open position without a stop on the venue: place one (default) or report it
                 * @enum {string}
                 */
                missingStop?: 'place' | 'report';
                /** @description venue symbols this connection trades */
                symbols?: string[];
              };
              /** @enum {string} */
              status: 'active' | 'disabled';
              /** @enum {string} */
              venue: 'sim' | 'ccxt' | 'hyperliquid';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description the risk account trades through this connection are sized on */
              accountId: number;
              /** @description the allowlisted API origin, or null for the exchange’s own */
              baseUrl: string | null;
              /**
               * @description the connection’s circuit breaker
               * @enum {string}
               */
              breaker: 'closed' | 'open' | 'half-open';
              createdAt: string;
              /** @description quote currency of the risk account */
              currency: string;
              /** @description CCXT exchange id (binance, bybit, okx, hyperliquid) or testudo */
              exchange: string;
              id: number;
              label: string;
              /** @description the venue’s reason the last test failed */
              lastError: string | null;
              lastTestedAt: string | null;
              /** @enum {string} */
              marketType: 'spot' | 'swap';
              sandbox: boolean;
              settings: {
                /**
                 * @description an open position without a stop on the venue: place one (default) or report it
                 * @enum {string}
                 */
                missingStop?: 'place' | 'report';
                /** @description venue symbols this connection trades */
                symbols?: string[];
              };
              /** @enum {string} */
              status: 'active' | 'disabled';
              /** @enum {string} */
              venue: 'sim' | 'ccxt' | 'hyperliquid';
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description deleted */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': null;
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections/{id}/disable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description the risk account trades through this connection are sized on */
              accountId: number;
              /** @description the allowlisted API origin, or null for the exchange’s own */
              baseUrl: string | null;
              /**
               * @description the connection’s circuit breaker
               * @enum {string}
               */
              breaker: 'closed' | 'open' | 'half-open';
              createdAt: string;
              /** @description quote currency of the risk account */
              currency: string;
              /** @description CCXT exchange id (binance, bybit, okx, hyperliquid) or testudo */
              exchange: string;
              id: number;
              label: string;
              /** @description the venue’s reason the last test failed */
              lastError: string | null;
              lastTestedAt: string | null;
              /** @enum {string} */
              marketType: 'spot' | 'swap';
              sandbox: boolean;
              settings: {
                /**
                 * @description an open position without a stop on the venue: place one (default) or report it
                 * @enum {string}
                 */
                missingStop?: 'place' | 'report';
                /** @description venue symbols this connection trades */
                symbols?: string[];
              };
              /** @enum {string} */
              status: 'active' | 'disabled';
              /** @enum {string} */
              venue: 'sim' | 'ccxt' | 'hyperliquid';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections/{id}/enable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description the risk account trades through this connection are sized on */
              accountId: number;
              /** @description the allowlisted API origin, or null for the exchange’s own */
              baseUrl: string | null;
              /**
               * @description the connection’s circuit breaker
               * @enum {string}
               */
              breaker: 'closed' | 'open' | 'half-open';
              createdAt: string;
              /** @description quote currency of the risk account */
              currency: string;
              /** @description CCXT exchange id (binance, bybit, okx, hyperliquid) or testudo */
              exchange: string;
              id: number;
              label: string;
              /** @description the venue’s reason the last test failed */
              lastError: string | null;
              lastTestedAt: string | null;
              /** @enum {string} */
              marketType: 'spot' | 'swap';
              sandbox: boolean;
              settings: {
                /**
                 * @description an open position without a stop on the venue: place one (default) or report it
                 * @enum {string}
                 */
                missingStop?: 'place' | 'report';
                /** @description venue symbols this connection trades */
                symbols?: string[];
              };
              /** @enum {string} */
              status: 'active' | 'disabled';
              /** @enum {string} */
              venue: 'sim' | 'ccxt' | 'hyperliquid';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections/{id}/import': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * @description history window in days (default 90)
             * @default 90
             */
            days?: number;
          } | null;
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              import: {
                connectionId: number;
                createdAt: string;
                /** @description why it failed, or the symbols skipped */
                error: string | null;
                /** @description fills stored for the first time */
                fillsNew: number;
                /** @description fills the venue reported */
                fillsSeen: number;
                finishedAt: string | null;
                id: number;
                /** @description start of the history window (ISO 8601) */
                since: string;
                startedAt: string | null;
                /** @enum {string} */
                status: 'queued' | 'running' | 'done' | 'failed';
                /** @description round-trip trades added to the journal */
                tradesCreated: number;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections/{id}/imports': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              imports: {
                connectionId: number;
                createdAt: string;
                /** @description why it failed, or the symbols skipped */
                error: string | null;
                /** @description fills stored for the first time */
                fillsNew: number;
                /** @description fills the venue reported */
                fillsSeen: number;
                finishedAt: string | null;
                id: number;
                /** @description start of the history window (ISO 8601) */
                since: string;
                startedAt: string | null;
                /** @enum {string} */
                status: 'queued' | 'running' | 'done' | 'failed';
                /** @description round-trip trades added to the journal */
                tradesCreated: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections/{id}/markets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              markets: {
                active: boolean;
                lotSize: string;
                makerFee: string;
                minNotional: string;
                minQty: string;
                /** @description the venue’s unified symbol, e.g. BTC/USDT */
                symbol: string;
                takerFee: string;
                tickSize: string;
                /** @enum {string} */
                type: 'spot' | 'swap';
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/connections/{id}/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              balances: {
                asset: string;
                free: string;
                total: string;
                used: string;
              }[];
              /** @enum {boolean} */
              ok: true;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/decisions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          approved?: 'true' | 'false';
          before?: number;
          kind?:
            'submit' | 'move-stop' | 'move-target' | 'breakeven' | 'partial-close' | 'close' | 'venue' | 'reconcile';
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decisions: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/equity': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description decimal text */
              balance: string;
              curve: {
                /** @description below the running peak */
                drawdown: string;
                /** @description underwater curve: percent below the running peak */
                drawdownPct: number | null;
                /** @description decimal text */
                equity: string;
                /** @description ISO 8601 UTC */
                time: string;
              }[];
              daily: {
                day: string;
                /** @description decimal text */
                endEquity: string;
                losses: number;
                /** @description decimal text */
                netPnl: string;
                r: number;
                returnPct: number | null;
                trades: number;
                wins: number;
              }[];
              /** @description decimal text */
              startEquity: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/accounts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accounts: {
                /** @description decimal text */
                available: string | null;
                /** @description decimal text */
                cash: string;
                id: number;
                /** @enum {string} */
                kind: 'user' | 'alt';
                name: string;
                owners: {
                  email: string;
                  userId: number;
                }[];
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: number;
              /** @enum {string} */
              kind: 'alt';
              name: string;
              owners: number[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/accounts/{id}/api-keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              keys: {
                accountId: number;
                apiKey: string;
                createdAt: string;
                createdBy: number;
                id: number;
                label: string;
                lastUsedAt: string | null;
                /**
                 * @description read: account, orders, trades; trade: also place and cancel
                 * @enum {string}
                 */
                permission: 'read' | 'trade';
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            label?: string;
            /**
             * @default read
             * @enum {string}
             */
            permission?: 'read' | 'trade';
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              apiKey: string;
              createdAt: string;
              createdBy: number;
              id: number;
              label: string;
              lastUsedAt: string | null;
              /**
               * @description read: account, orders, trades; trade: also place and cancel
               * @enum {string}
               */
              permission: 'read' | 'trade';
              /** @description the HMAC-SHA256 secret; shown once, store it now */
              secret: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/accounts/{id}/api-keys/{keyId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
          keyId: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              apiKey: string;
              createdAt: string;
              createdBy: number;
              id: number;
              label: string;
              lastUsedAt: string | null;
              /**
               * @description read: account, orders, trades; trade: also place and cancel
               * @enum {string}
               */
              permission: 'read' | 'trade';
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/accounts/{id}/owners': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            email: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              /** @description user id of the new owner */
              owner: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/accounts/{id}/owners/{userId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
          userId: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              owners: number[];
              /** @description user id of the removed owner */
              removed: number;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/accounts/{id}/portfolio': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              /** @description decimal text */
              available: string | null;
              /** @description decimal text */
              cash: string;
              /** @enum {string} */
              kind: 'user' | 'alt';
              name: string;
              positions: {
                market: string;
                marketId: number;
                /** @description decimal text */
                position: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/auctions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          limit?: number;
          status?: 'open' | 'sold' | 'cancelled';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              auctions: {
                /** @description decimal text */
                bestBid: string | null;
                /** @description null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder) */
                bestBidderAccountId: number | null;
                /** @description decimal text */
                buyNowPrice: string | null;
                /** @description ISO 8601 time */
                closedAt: string | null;
                /** @enum {string|null} */
                closedHow: 'buy-now' | 'settle' | 'cancel' | null;
                /** @description ISO 8601 time */
                createdAt: string | null;
                description: string;
                id: number;
                /** @description decimal text */
                minBid: string | null;
                /** @description decimal text */
                price: string | null;
                sellerAccountId: number;
                /** @enum {string} */
                status: 'open' | 'sold' | 'cancelled';
                title: string;
                /** @description null: unsold, or another buyer (as bestBidderAccountId) */
                winnerAccountId: number | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description default: your personal account */
            accountId?: number;
            buyNowPrice?: string | number;
            description?: string;
            minBid?: string | number;
            title: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description decimal text */
              bestBid: string | null;
              /** @description null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder) */
              bestBidderAccountId: number | null;
              /** @description decimal text */
              buyNowPrice: string | null;
              /** @description ISO 8601 time */
              closedAt: string | null;
              /** @enum {string|null} */
              closedHow: 'buy-now' | 'settle' | 'cancel' | null;
              /** @description ISO 8601 time */
              createdAt: string | null;
              description: string;
              id: number;
              /** @description decimal text */
              minBid: string | null;
              /** @description decimal text */
              price: string | null;
              sellerAccountId: number;
              /** @enum {string} */
              status: 'open' | 'sold' | 'cancelled';
              title: string;
              /** @description null: unsold, or another buyer (as bestBidderAccountId) */
              winnerAccountId: number | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/auctions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description decimal text */
              bestBid: string | null;
              /** @description null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder) */
              bestBidderAccountId: number | null;
              bids: {
                /** @description null: another bidder's account (shown to the seller's owners and admins) */
                accountId: number | null;
                /** @description decimal text */
                amount: string | null;
                /** @description ISO 8601 time */
                at: string | null;
                id: number;
              }[];
              /** @description decimal text */
              buyNowPrice: string | null;
              /** @description ISO 8601 time */
              closedAt: string | null;
              /** @enum {string|null} */
              closedHow: 'buy-now' | 'settle' | 'cancel' | null;
              /** @description ISO 8601 time */
              createdAt: string | null;
              description: string;
              id: number;
              /** @description decimal text */
              minBid: string | null;
              /** @description decimal text */
              price: string | null;
              sellerAccountId: number;
              /** @enum {string} */
              status: 'open' | 'sold' | 'cancelled';
              title: string;
              /** @description null: unsold, or another buyer (as bestBidderAccountId) */
              winnerAccountId: number | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/auctions/{id}/bids': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description default: your personal account */
            accountId?: number;
            amount: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              auction: {
                /** @description decimal text */
                bestBid: string | null;
                /** @description null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder) */
                bestBidderAccountId: number | null;
                /** @description decimal text */
                buyNowPrice: string | null;
                /** @description ISO 8601 time */
                closedAt: string | null;
                /** @enum {string|null} */
                closedHow: 'buy-now' | 'settle' | 'cancel' | null;
                /** @description ISO 8601 time */
                createdAt: string | null;
                description: string;
                id: number;
                /** @description decimal text */
                minBid: string | null;
                /** @description decimal text */
                price: string | null;
                sellerAccountId: number;
                /** @enum {string} */
                status: 'open' | 'sold' | 'cancelled';
                title: string;
                /** @description null: unsold, or another buyer (as bestBidderAccountId) */
                winnerAccountId: number | null;
              };
              bid: {
                accountId: number;
                /** @description decimal text */
                amount: string;
                id: number;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/auctions/{id}/buy': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description default: your personal account */
            accountId?: number;
          } | null;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description decimal text */
              bestBid: string | null;
              /** @description null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder) */
              bestBidderAccountId: number | null;
              /** @description decimal text */
              buyNowPrice: string | null;
              /** @description ISO 8601 time */
              closedAt: string | null;
              /** @enum {string|null} */
              closedHow: 'buy-now' | 'settle' | 'cancel' | null;
              /** @description ISO 8601 time */
              createdAt: string | null;
              description: string;
              id: number;
              /** @description decimal text */
              minBid: string | null;
              /** @description decimal text */
              price: string | null;
              sellerAccountId: number;
              /** @enum {string} */
              status: 'open' | 'sold' | 'cancelled';
              title: string;
              /** @description null: unsold, or another buyer (as bestBidderAccountId) */
              winnerAccountId: number | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/auctions/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description decimal text */
              bestBid: string | null;
              /** @description null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder) */
              bestBidderAccountId: number | null;
              /** @description decimal text */
              buyNowPrice: string | null;
              /** @description ISO 8601 time */
              closedAt: string | null;
              /** @enum {string|null} */
              closedHow: 'buy-now' | 'settle' | 'cancel' | null;
              /** @description ISO 8601 time */
              createdAt: string | null;
              description: string;
              id: number;
              /** @description decimal text */
              minBid: string | null;
              /** @description decimal text */
              price: string | null;
              sellerAccountId: number;
              /** @enum {string} */
              status: 'open' | 'sold' | 'cancelled';
              title: string;
              /** @description null: unsold, or another buyer (as bestBidderAccountId) */
              winnerAccountId: number | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/auctions/{id}/settle': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            buyerAccountId: number;
            price: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description decimal text */
              bestBid: string | null;
              /** @description null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder) */
              bestBidderAccountId: number | null;
              /** @description decimal text */
              buyNowPrice: string | null;
              /** @description ISO 8601 time */
              closedAt: string | null;
              /** @enum {string|null} */
              closedHow: 'buy-now' | 'settle' | 'cancel' | null;
              /** @description ISO 8601 time */
              createdAt: string | null;
              description: string;
              id: number;
              /** @description decimal text */
              minBid: string | null;
              /** @description decimal text */
              price: string | null;
              sellerAccountId: number;
              /** @enum {string} */
              status: 'open' | 'sold' | 'cancelled';
              title: string;
              /** @description null: unsold, or another buyer (as bestBidderAccountId) */
              winnerAccountId: number | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/fills': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          /** @description older page: fills of smaller trade ids */
          beforeId?: number;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              fills: {
                accountId: number;
                /** @description ISO 8601 time */
                at: string;
                /** @enum {string} */
                liquidity: 'maker' | 'taker';
                marketId: number;
                orderId: number;
                /** @description decimal text */
                price: string;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @description decimal text */
                size: string;
                tradeId: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/markets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              markets: {
                baseAsset: string;
                /** @description decimal text */
                bestAsk: string | null;
                /** @description decimal text */
                bestBid: string | null;
                hideAccounts: boolean;
                id: number;
                /** @enum {string} */
                kind: 'spot' | 'bounded';
                /** @description decimal text */
                lastPrice: string | null;
                /** @description decimal text */
                lotSize: string;
                /** @description highest settlement price; null for spot markets */
                maxPrice: string | null;
                /** @description lowest settlement price (0 for spot markets) */
                minPrice: string | null;
                name: string;
                /** @description the exchange's cash asset unless set otherwise */
                quoteAsset: string;
                restricted: boolean;
                /** @enum {string} */
                status: 'open' | 'paused' | 'closed';
                /** @description gateway symbol, [A-Z0-9]{2,20}, unique (e.g. TUDOUSD) */
                symbol: string;
                /** @description decimal text */
                tickSize: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            baseAsset?: string;
            description?: string;
            hideAccounts?: boolean;
            /** @enum {string} */
            kind: 'spot' | 'bounded';
            lotSize: string | number;
            maxPrice?: string | number;
            minPrice?: string | number;
            name: string;
            /** @description default: the exchange's cash asset */
            quoteAsset?: string;
            /** @description gateway symbol; default: from the name */
            symbol?: string;
            tickSize: string | number;
            visibleTo?: number[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              baseAsset: string;
              /** @description decimal text */
              bestAsk: string | null;
              /** @description decimal text */
              bestBid: string | null;
              hideAccounts: boolean;
              id: number;
              /** @enum {string} */
              kind: 'spot' | 'bounded';
              /** @description decimal text */
              lastPrice: string | null;
              /** @description decimal text */
              lotSize: string;
              /** @description highest settlement price; null for spot markets */
              maxPrice: string | null;
              /** @description lowest settlement price (0 for spot markets) */
              minPrice: string | null;
              name: string;
              /** @description the exchange's cash asset unless set otherwise */
              quoteAsset: string;
              restricted: boolean;
              /** @enum {string} */
              status: 'open' | 'paused' | 'closed';
              /** @description gateway symbol, [A-Z0-9]{2,20}, unique (e.g. TUDOUSD) */
              symbol: string;
              /** @description decimal text */
              tickSize: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/markets/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          levels?: number;
        };
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              baseAsset: string;
              /** @description decimal text */
              bestAsk: string | null;
              /** @description decimal text */
              bestBid: string | null;
              book: {
                asks: {
                  orders: number;
                  /** @description decimal text */
                  price: string;
                  /** @description decimal text */
                  size: string;
                }[];
                bids: {
                  orders: number;
                  /** @description decimal text */
                  price: string;
                  /** @description decimal text */
                  size: string;
                }[];
              };
              hideAccounts: boolean;
              id: number;
              /** @enum {string} */
              kind: 'spot' | 'bounded';
              /** @description decimal text */
              lastPrice: string | null;
              /** @description decimal text */
              lotSize: string;
              /** @description highest settlement price; null for spot markets */
              maxPrice: string | null;
              /** @description lowest settlement price (0 for spot markets) */
              minPrice: string | null;
              name: string;
              /** @description the exchange's cash asset unless set otherwise */
              quoteAsset: string;
              restricted: boolean;
              /** @enum {string} */
              status: 'open' | 'paused' | 'closed';
              /** @description gateway symbol, [A-Z0-9]{2,20}, unique (e.g. TUDOUSD) */
              symbol: string;
              /** @description decimal text */
              tickSize: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/markets/{id}/deposits': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            accountId: number;
            size: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              /** @description decimal text */
              deposited: string;
              marketId: number;
              /** @description decimal text */
              position: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/markets/{id}/settle': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            price: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              baseAsset: string;
              /** @description decimal text */
              bestAsk: string | null;
              /** @description decimal text */
              bestBid: string | null;
              hideAccounts: boolean;
              id: number;
              /** @enum {string} */
              kind: 'spot' | 'bounded';
              /** @description decimal text */
              lastPrice: string | null;
              /** @description decimal text */
              lotSize: string;
              /** @description highest settlement price; null for spot markets */
              maxPrice: string | null;
              /** @description lowest settlement price (0 for spot markets) */
              minPrice: string | null;
              name: string;
              positionsPaid: number;
              /** @description the exchange's cash asset unless set otherwise */
              quoteAsset: string;
              restricted: boolean;
              /** @description decimal text */
              settledPrice: string;
              /** @enum {string} */
              status: 'open' | 'paused' | 'closed';
              /** @description gateway symbol, [A-Z0-9]{2,20}, unique (e.g. TUDOUSD) */
              symbol: string;
              /** @description decimal text */
              tickSize: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/markets/{id}/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            status: 'open' | 'paused' | 'closed';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              baseAsset: string;
              /** @description decimal text */
              bestAsk: string | null;
              /** @description decimal text */
              bestBid: string | null;
              hideAccounts: boolean;
              id: number;
              /** @enum {string} */
              kind: 'spot' | 'bounded';
              /** @description decimal text */
              lastPrice: string | null;
              /** @description decimal text */
              lotSize: string;
              /** @description highest settlement price; null for spot markets */
              maxPrice: string | null;
              /** @description lowest settlement price (0 for spot markets) */
              minPrice: string | null;
              name: string;
              /** @description the exchange's cash asset unless set otherwise */
              quoteAsset: string;
              restricted: boolean;
              /** @enum {string} */
              status: 'open' | 'paused' | 'closed';
              /** @description gateway symbol, [A-Z0-9]{2,20}, unique (e.g. TUDOUSD) */
              symbol: string;
              /** @description decimal text */
              tickSize: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/markets/{id}/trades': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          /** @description newer page: trades with a larger id */
          afterId?: number;
          /** @description older page: trades with a smaller id */
          beforeId?: number;
          limit?: number;
        };
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              trades: {
                /** @description ISO 8601 time */
                at: string;
                id: number;
                makerAccountId?: number;
                marketId: number;
                /** @description decimal text */
                price: string;
                /** @description decimal text */
                size: string;
                takerAccountId?: number;
                /** @enum {string} */
                takerSide: 'buy' | 'sell';
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/orders': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          limit?: number;
          live?: 'true' | 'false';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              orders: {
                accountId: number;
                clientOrderId: string | null;
                /** @description ISO 8601 time */
                createdAt: string;
                /** @description decimal text */
                filled: string;
                id: number;
                /** @description the order list (OCO) the order belongs to */
                listId: number | null;
                marketId: number;
                postOnly: boolean;
                /** @description decimal text */
                price: string | null;
                /** @description decimal text */
                remaining: string;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @description decimal text */
                size: string;
                /** @enum {string} */
                status: 'open' | 'pending' | 'filled' | 'cancelled';
                /** @description decimal text */
                stopPrice: string | null;
                stp: string;
                tif: string;
                /** @enum {string} */
                type: 'limit' | 'market' | 'stop-market' | 'stop-limit' | 'take-profit' | 'take-profit-limit';
                /** @description ISO 8601 time */
                updatedAt: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description default: your personal account */
            accountId?: number;
            /** @description the client's own id; unique among the account's live orders */
            clientOrderId?: string;
            marketId: number;
            postOnly?: boolean;
            price?: string | number;
            /** @enum {string} */
            side: 'buy' | 'sell';
            size: string | number;
            stopPrice?: string | number;
            /** @enum {string} */
            stp?: 'cancel-resting' | 'cancel-incoming' | 'cancel-both';
            /** @enum {string} */
            tif?: 'GTC' | 'IOC' | 'FOK';
            /**
             * @default limit
             * @enum {string}
             */
            type?: 'limit' | 'market' | 'stop-market' | 'stop-limit' | 'take-profit' | 'take-profit-limit';
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              events: ({
                orderId?: number;
                /** @enum {string} */
                type: 'accepted' | 'rejected' | 'trade' | 'cancelled' | 'amended' | 'triggered' | 'done';
              } & {
                [key: string]: unknown;
              })[];
              order: {
                accountId: number;
                clientOrderId: string | null;
                /** @description ISO 8601 time */
                createdAt: string;
                /** @description decimal text */
                filled: string;
                id: number;
                /** @description the order list (OCO) the order belongs to */
                listId: number | null;
                marketId: number;
                postOnly: boolean;
                /** @description decimal text */
                price: string | null;
                /** @description decimal text */
                remaining: string;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @description decimal text */
                size: string;
                /** @enum {string} */
                status: 'open' | 'pending' | 'filled' | 'cancelled';
                /** @description decimal text */
                stopPrice: string | null;
                stp: string;
                tif: string;
                /** @enum {string} */
                type: 'limit' | 'market' | 'stop-market' | 'stop-limit' | 'take-profit' | 'take-profit-limit';
                /** @description ISO 8601 time */
                updatedAt: string;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/exchange/orders/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              events: ({
                orderId?: number;
                /** @enum {string} */
                type: 'accepted' | 'rejected' | 'trade' | 'cancelled' | 'amended' | 'triggered' | 'done';
              } & {
                [key: string]: unknown;
              })[];
              order: {
                accountId: number;
                clientOrderId: string | null;
                /** @description ISO 8601 time */
                createdAt: string;
                /** @description decimal text */
                filled: string;
                id: number;
                /** @description the order list (OCO) the order belongs to */
                listId: number | null;
                marketId: number;
                postOnly: boolean;
                /** @description decimal text */
                price: string | null;
                /** @description decimal text */
                remaining: string;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @description decimal text */
                size: string;
                /** @enum {string} */
                status: 'open' | 'pending' | 'filled' | 'cancelled';
                /** @description decimal text */
                stopPrice: string | null;
                stp: string;
                tif: string;
                /** @enum {string} */
                type: 'limit' | 'market' | 'stop-market' | 'stop-limit' | 'take-profit' | 'take-profit-limit';
                /** @description ISO 8601 time */
                updatedAt: string;
              };
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            price?: string | number;
            size?: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              events: ({
                orderId?: number;
                /** @enum {string} */
                type: 'accepted' | 'rejected' | 'trade' | 'cancelled' | 'amended' | 'triggered' | 'done';
              } & {
                [key: string]: unknown;
              })[];
              order: {
                accountId: number;
                clientOrderId: string | null;
                /** @description ISO 8601 time */
                createdAt: string;
                /** @description decimal text */
                filled: string;
                id: number;
                /** @description the order list (OCO) the order belongs to */
                listId: number | null;
                marketId: number;
                postOnly: boolean;
                /** @description decimal text */
                price: string | null;
                /** @description decimal text */
                remaining: string;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @description decimal text */
                size: string;
                /** @enum {string} */
                status: 'open' | 'pending' | 'filled' | 'cancelled';
                /** @description decimal text */
                stopPrice: string | null;
                stp: string;
                tif: string;
                /** @enum {string} */
                type: 'limit' | 'market' | 'stop-market' | 'stop-limit' | 'take-profit' | 'take-profit-limit';
                /** @description ISO 8601 time */
                updatedAt: string;
              };
            };
          };
        };
      };
    };
    trace?: never;
  };
  '/api/v1/exchange/transfers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              transfers: {
                /** @description decimal text */
                amount: string;
                /** @description ISO 8601 time */
                at: string;
                fromAccountId: number | null;
                id: number;
                note: string;
                toAccountId: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            amount: string | number;
            /** @description null (admins): mint */
            fromAccountId?: number | null;
            note?: string;
            toAccountId: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description decimal text */
              amount: string;
              fromAccountId: number | null;
              id: number;
              note: string;
              toAccountId: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/instruments': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              base: string;
              /** @description decimal text */
              lastPrice: string | null;
              /** @description decimal text */
              lotSize: string;
              /** @description fraction, e.g. 0.001 */
              makerFee: string;
              /** @description decimal text */
              minNotional: string;
              /** @description decimal text */
              minQty: string;
              quote: string;
              symbol: string;
              /** @description decimal text */
              takerFee: string;
              /** @description decimal text */
              tickSize: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/journal/breakdown': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query: {
          /** @description weekday and hour: UTC, of the exit time */
          by: 'weekday' | 'hour' | 'setup' | 'tag' | 'side' | 'symbol';
          from?: string;
          setup?: string;
          symbol?: string;
          tag?: string;
          to?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              by: 'weekday' | 'hour' | 'setup' | 'tag' | 'side' | 'symbol';
              groups: {
                expectancyR: number;
                /** @description monday…sunday, 00…23, buy/sell, or the setup/tag/symbol; null: none */
                key: string | null;
                losses: number;
                /** @description decimal text */
                netPnl: string;
                /** @description trades whose R is known: totalR and expectancyR cover these */
                rTrades: number;
                totalR: number;
                trades: number;
                winRate: number;
                wins: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/journal/daily': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          from?: string;
          setup?: string;
          symbol?: string;
          tag?: string;
          to?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              days: {
                /** @description UTC day of exit, YYYY-MM-DD */
                day: string;
                losses: number;
                /** @description decimal text */
                netPnl: string;
                r: number;
                trades: number;
                wins: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/journal/entries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          collection?: string;
          /** @description the previous page’s nextCursor */
          cursor?: number;
          limit?: number;
          /** @description full-text search over title and body (web search syntax) */
          q?: string;
          tag?: string;
          /** @description entries linked to this trade */
          tradeId?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              entries: {
                body: string;
                collection: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string;
                id: number;
                tags: string[];
                title: string;
                tradeIds: number[];
                /** @description ISO 8601 UTC */
                updatedAt: string;
              }[];
              /** @description pass as `cursor` for the next page; null on the last page */
              nextCursor: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * @description Markdown, stored as text (the Desk renders and sanitises it)
             * @default
             */
            body?: string;
            /**
             * @description e.g. "playbook", "review", free text; null for none
             * @default null
             */
            collection?: string | null;
            /** @default [] */
            tags?: string[];
            title: string;
            /**
             * @description ids of your own trades; another user’s or a missing trade is field error unknown-trade
             * @default []
             */
            tradeIds?: number[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              body: string;
              collection: string | null;
              /** @description ISO 8601 UTC */
              createdAt: string;
              id: number;
              tags: string[];
              title: string;
              tradeIds: number[];
              /** @description ISO 8601 UTC */
              updatedAt: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/journal/entries/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              body: string;
              collection: string | null;
              /** @description ISO 8601 UTC */
              createdAt: string;
              id: number;
              tags: string[];
              title: string;
              tradeIds: number[];
              /** @description ISO 8601 UTC */
              updatedAt: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description deleted */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': null;
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Markdown, stored as text (the Desk renders and sanitises it) */
            body?: string;
            /** @description e.g. "playbook", "review", free text; null for none */
            collection?: string | null;
            tags?: string[];
            title?: string;
            /** @description ids of your own trades; another user’s or a missing trade is field error unknown-trade */
            tradeIds?: number[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              body: string;
              collection: string | null;
              /** @description ISO 8601 UTC */
              createdAt: string;
              id: number;
              tags: string[];
              title: string;
              tradeIds: number[];
              /** @description ISO 8601 UTC */
              updatedAt: string;
            };
          };
        };
      };
    };
    trace?: never;
  };
  '/api/v1/journal/excursions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          from?: string;
          setup?: string;
          symbol?: string;
          tag?: string;
          to?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              trades: {
                /** @description ISO 8601 UTC */
                closedAt: string;
                holdingSeconds: number | null;
                id: number;
                maeR: number | null;
                mfeR: number | null;
                r: number;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                symbol: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/journal/r-distribution': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          from?: string;
          setup?: string;
          symbol?: string;
          tag?: string;
          to?: string;
          /** @description bucket width in R */
          width?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              buckets: {
                count: number;
                /** @description inclusive; null: open-ended */
                from: number | null;
                /** @description exclusive; null: open-ended */
                to: number | null;
              }[];
              rs: number[];
              trades: number;
              width: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/journal/stats': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          from?: string;
          setup?: string;
          symbol?: string;
          tag?: string;
          to?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              avgLossR: number;
              avgWinR: number;
              breakeven: number;
              expectancyR: number;
              filter: {
                [key: string]: unknown;
              };
              /** @description decimal text */
              grossLoss: string;
              /** @description decimal text */
              grossProfit: string;
              longestLosingStreak: number;
              longestWinningStreak: number;
              losses: number;
              /** @description decimal text */
              maxDrawdown: string;
              maxDrawdownPct: number | null;
              maxDrawdownR: number;
              /** @description decimal text */
              netPnl: string;
              profitFactor: number | null;
              /** @description trades whose R is known (imported ones without a stop are not): the R figures */
              rTrades: number;
              sqn: number | null;
              totalR: number;
              trades: number;
              winRate: number;
              wins: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/market/symbols': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              symbols: {
                /** @enum {string|null} */
                feed: 'replay' | 'live' | null;
                /** @enum {string|null} */
                feedTimeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w' | null;
                lastPrice: string | null;
                /** @description series in the candle store, first/last bar open time in epoch seconds */
                stored: {
                  first: number;
                  last: number;
                  /** @enum {string} */
                  timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
                }[];
                symbol: string;
                /** @description timeframes GET /candles serves for this symbol */
                timeframes: ('1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w')[];
                /** @description an instrument trades can be submitted on */
                tradable: boolean;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/messages': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          /** @description the previous page’s nextCursor */
          cursor?: number;
          limit?: number;
          /** @description full-text search over title and body (web search syntax) */
          q?: string;
          strategy?: string;
          symbol?: string;
          /** @description messages with this tag (normalised like stored tags) */
          tag?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              messages: {
                /** @description Markdown */
                body: string;
                /** @description ISO 8601 UTC */
                createdAt: string;
                id: number;
                strategy: string | null;
                symbol: string | null;
                tags: string[];
                title: string | null;
                tradeId: number | null;
                /** @description ISO 8601 UTC */
                updatedAt: string;
              }[];
              /** @description pass as `cursor` for the next page; null on the last page */
              nextCursor: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Markdown, stored as text (the Desk renders and sanitises it) */
            body: string;
            /** @description a strategy name such as sma-cross; null for none */
            strategy?: string | null;
            /** @description e.g. BTC-USD; null for none */
            symbol?: string | null;
            /**
             * @description normalised to lowercase kebab-case (“Mean Reversion” → mean-reversion), duplicates dropped
             * @default []
             */
            tags?: string[];
            /** @description optional heading; blank or null for none */
            title?: string | null;
            /** @description one of your own trades; another user’s or a missing trade is 422 unknown-trade */
            tradeId?: number | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Markdown */
              body: string;
              /** @description ISO 8601 UTC */
              createdAt: string;
              id: number;
              strategy: string | null;
              symbol: string | null;
              tags: string[];
              title: string | null;
              tradeId: number | null;
              /** @description ISO 8601 UTC */
              updatedAt: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/messages/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Markdown */
              body: string;
              /** @description ISO 8601 UTC */
              createdAt: string;
              id: number;
              strategy: string | null;
              symbol: string | null;
              tags: string[];
              title: string | null;
              tradeId: number | null;
              /** @description ISO 8601 UTC */
              updatedAt: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description deleted */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': null;
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Markdown, stored as text (the Desk renders and sanitises it) */
            body?: string;
            /** @description a strategy name such as sma-cross; null for none */
            strategy?: string | null;
            /** @description e.g. BTC-USD; null for none */
            symbol?: string | null;
            /** @description normalised to lowercase kebab-case (“Mean Reversion” → mean-reversion), duplicates dropped */
            tags?: string[];
            /** @description optional heading; blank or null for none */
            title?: string | null;
            /** @description one of your own trades; another user’s or a missing trade is 422 unknown-trade */
            tradeId?: number | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Markdown */
              body: string;
              /** @description ISO 8601 UTC */
              createdAt: string;
              id: number;
              strategy: string | null;
              symbol: string | null;
              tags: string[];
              title: string | null;
              tradeId: number | null;
              /** @description ISO 8601 UTC */
              updatedAt: string;
            };
          };
        };
      };
    };
    trace?: never;
  };
  '/api/v1/optimizations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description e.g. "fast<slow" */
            constraint?: string;
            data: {
              /** @description inclusive, ISO 8601 */
              from?: string;
              symbol: string;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description exclusive, ISO 8601 */
              to?: string;
            };
            /** @description per parameter: a list of values or an inclusive range { start, stop, step }; order = grid order */
            grid: {
              [key: string]:
                | (number | boolean | string)[]
                | {
                    start: number;
                    step: number;
                    stop: number;
                  };
            };
            /** @description statistic to maximise (default "SQN") */
            maximize?: string;
            options?: {
              /** @description starting cash, quote currency (default "10000") */
              cash?: string | number;
              /** @description per fill: a fraction of traded value, or { fixed, rate } */
              commission?:
                | (string | number)
                | {
                    /** @description non-negative decimal, e.g. "0.001" */
                    fixed: string | number;
                    /** @description non-negative decimal, e.g. "0.001" */
                    rate: string | number;
                  };
              exclusiveOrders?: boolean;
              finalizeTrades?: boolean;
              /** @description size of one lot in units (default "1") */
              lotSize?: string | number;
              /** @description fraction added to the entry price against the trader */
              spread?: string | number;
              /** @description Testudo mode with the default risk profile (`testudo backtest --risk PCT`) */
              testudo?: {
                /** @description risk per trade, percent of equity (default: the protocol default) */
                riskPerTradePct?: string | number;
              };
              tradeOnClose?: boolean;
            };
            /** @description over the saved strategy’s defaults */
            params?: {
              [key: string]: number | boolean | string;
            };
            strategy?: string;
            strategyId?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/optimizations/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          top?: number;
        };
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/positions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              positions: ({
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description the stop now (moves, breakeven); null: imported, unknown */
                currentStopLoss: string | null;
                /** @description decimal text */
                currentTakeProfit: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                /** @description largest adverse move from the entry fill, price units; null until filled */
                maeDistance: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                /** @description decimal text */
                markPrice: string | null;
                /** @description largest favourable move from the entry fill, price units */
                mfeDistance: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                /** @description size still open (the entry size while pending; 0 once closed) */
                openQty: string;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
                /** @description open size × (mark − entry fill), quote currency, before the exit fee */
                unrealizedPnl: string | null;
                /** @description unrealizedPnl ÷ initialRisk */
                unrealizedR: number | null;
              } & {
                [key: string]: unknown;
              })[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/replay': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              done: boolean;
              /** @description index of the next bar to emit */
              index: number;
              lastPrice: string | null;
              paused: boolean;
              /** @description bars per second */
              speed: number;
              symbol: string;
              /** @description the replay's clock: close time of the last emitted bar, ISO 8601 UTC */
              time: string | null;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description bars in the file */
              total: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/replay/pause': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              done: boolean;
              /** @description index of the next bar to emit */
              index: number;
              lastPrice: string | null;
              paused: boolean;
              /** @description bars per second */
              speed: number;
              symbol: string;
              /** @description the replay's clock: close time of the last emitted bar, ISO 8601 UTC */
              time: string | null;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description bars in the file */
              total: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/replay/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              done: boolean;
              /** @description index of the next bar to emit */
              index: number;
              lastPrice: string | null;
              paused: boolean;
              /** @description bars per second */
              speed: number;
              symbol: string;
              /** @description the replay's clock: close time of the last emitted bar, ISO 8601 UTC */
              time: string | null;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description bars in the file */
              total: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/replay/seek': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            time: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              done: boolean;
              /** @description index of the next bar to emit */
              index: number;
              lastPrice: string | null;
              paused: boolean;
              /** @description bars per second */
              speed: number;
              symbol: string;
              /** @description the replay's clock: close time of the last emitted bar, ISO 8601 UTC */
              time: string | null;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description bars in the file */
              total: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/replay/speed': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            barsPerSecond: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              done: boolean;
              /** @description index of the next bar to emit */
              index: number;
              lastPrice: string | null;
              paused: boolean;
              /** @description bars per second */
              speed: number;
              symbol: string;
              /** @description the replay's clock: close time of the last emitted bar, ISO 8601 UTC */
              time: string | null;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description bars in the file */
              total: number;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/replay/step': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default 1 */
            bars?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              done: boolean;
              /** @description index of the next bar to emit */
              index: number;
              lastPrice: string | null;
              paused: boolean;
              /** @description bars per second */
              speed: number;
              symbol: string;
              /** @description the replay's clock: close time of the last emitted bar, ISO 8601 UTC */
              time: string | null;
              /** @enum {string} */
              timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
              /** @description bars in the file */
              total: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/risk-profile': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ceilings: {
                maxDrawdownPct: string;
                maxRiskPerTradePct: string;
              };
              coolingOffSeconds: number;
              defaults: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              fields: {
                [key: string]: {
                  /** @description hard ceiling of this field, or null */
                  ceiling: string | null;
                  default: string | number | boolean;
                  /**
                   * @description which way of changing it loosens the protocol
                   * @enum {string}
                   */
                  looserWhen: 'higher' | 'lower' | 'false';
                  /** @description a loosening waiting out the cooling-off period */
                  pending: {
                    /** @description ISO 8601 UTC */
                    effectiveAt: string;
                    /** @description ISO 8601 UTC */
                    requestedAt: string;
                    value: string | number | boolean;
                  } | null;
                  /** @description in force now */
                  value: string | number | boolean;
                };
              };
              limits: {
                breaker: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @enum {string} */
                  state: 'closed' | 'open' | 'half-open';
                };
                /** @description no limit blocks a new trade now */
                canTrade: boolean;
                cooldown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  consecutiveLosses: number;
                  lossStreakLimit: number;
                  /** @description ISO 8601 UTC */
                  until: string | null;
                };
                dailyLoss: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
                drawdown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  fromPeak: string;
                  /** @description ISO 8601 UTC */
                  haltedAt: string | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  peakEquity: string;
                };
                /** @description drawdown halt in force (POST /risk-profile/reset-halt lifts it) */
                halted: boolean;
                openPositions: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  max: number;
                  used: number;
                };
                openRisk: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
              };
              pending: {
                /** @description ISO 8601 UTC */
                effectiveAt: string;
                field: string;
                /** @description ISO 8601 UTC */
                requestedAt: string;
                value: string | number | boolean;
              }[];
              /** @description in force now */
              profile: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              state: {
                /** @description decimal text */
                balance: string;
                consecutiveLosses: number;
                /** @description ISO 8601 UTC */
                haltedAt: string | null;
                /** @description ISO 8601 UTC */
                lastLossAt: string | null;
                openPositions: number;
                /** @description decimal text */
                openRisk: string;
                /** @description decimal text */
                peakEquity: string;
                /** @description UTC day (YYYY-MM-DD) of realizedPnlToday */
                realizedPnlDay: string | null;
                /** @description decimal text */
                realizedPnlToday: string;
                /** @description decimal text */
                reserved: string;
              };
            };
          };
        };
      };
    };
    put: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            cooldownMinutes?: number;
            dailyLossLimitPct?: string | number;
            lossStreakLimit?: number;
            maxDrawdownPct?: string | number;
            maxLeverage?: string | number;
            maxOpenPositions?: number;
            maxOpenRiskPct?: string | number;
            maxRiskPerTradePct?: string | number;
            minRewardRisk?: string | number;
            requireTakeProfit?: boolean;
            riskPerTradePct?: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ceilings: {
                maxDrawdownPct: string;
                maxRiskPerTradePct: string;
              };
              change: {
                /** @description tightened: in force now */
                applied: string[];
                /** @description pending changes superseded */
                cancelled: string[];
                /** @description loosened: pending until effectiveAt */
                scheduled: string[];
              };
              coolingOffSeconds: number;
              defaults: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              fields: {
                [key: string]: {
                  /** @description hard ceiling of this field, or null */
                  ceiling: string | null;
                  default: string | number | boolean;
                  /**
                   * @description which way of changing it loosens the protocol
                   * @enum {string}
                   */
                  looserWhen: 'higher' | 'lower' | 'false';
                  /** @description a loosening waiting out the cooling-off period */
                  pending: {
                    /** @description ISO 8601 UTC */
                    effectiveAt: string;
                    /** @description ISO 8601 UTC */
                    requestedAt: string;
                    value: string | number | boolean;
                  } | null;
                  /** @description in force now */
                  value: string | number | boolean;
                };
              };
              limits: {
                breaker: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @enum {string} */
                  state: 'closed' | 'open' | 'half-open';
                };
                /** @description no limit blocks a new trade now */
                canTrade: boolean;
                cooldown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  consecutiveLosses: number;
                  lossStreakLimit: number;
                  /** @description ISO 8601 UTC */
                  until: string | null;
                };
                dailyLoss: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
                drawdown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  fromPeak: string;
                  /** @description ISO 8601 UTC */
                  haltedAt: string | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  peakEquity: string;
                };
                /** @description drawdown halt in force (POST /risk-profile/reset-halt lifts it) */
                halted: boolean;
                openPositions: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  max: number;
                  used: number;
                };
                openRisk: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
              };
              pending: {
                /** @description ISO 8601 UTC */
                effectiveAt: string;
                field: string;
                /** @description ISO 8601 UTC */
                requestedAt: string;
                value: string | number | boolean;
              }[];
              /** @description in force now */
              profile: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              state: {
                /** @description decimal text */
                balance: string;
                consecutiveLosses: number;
                /** @description ISO 8601 UTC */
                haltedAt: string | null;
                /** @description ISO 8601 UTC */
                lastLossAt: string | null;
                openPositions: number;
                /** @description decimal text */
                openRisk: string;
                /** @description decimal text */
                peakEquity: string;
                /** @description UTC day (YYYY-MM-DD) of realizedPnlToday */
                realizedPnlDay: string | null;
                /** @description decimal text */
                realizedPnlToday: string;
                /** @description decimal text */
                reserved: string;
              };
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/risk-profile/pending': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ceilings: {
                maxDrawdownPct: string;
                maxRiskPerTradePct: string;
              };
              coolingOffSeconds: number;
              defaults: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              fields: {
                [key: string]: {
                  /** @description hard ceiling of this field, or null */
                  ceiling: string | null;
                  default: string | number | boolean;
                  /**
                   * @description which way of changing it loosens the protocol
                   * @enum {string}
                   */
                  looserWhen: 'higher' | 'lower' | 'false';
                  /** @description a loosening waiting out the cooling-off period */
                  pending: {
                    /** @description ISO 8601 UTC */
                    effectiveAt: string;
                    /** @description ISO 8601 UTC */
                    requestedAt: string;
                    value: string | number | boolean;
                  } | null;
                  /** @description in force now */
                  value: string | number | boolean;
                };
              };
              limits: {
                breaker: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @enum {string} */
                  state: 'closed' | 'open' | 'half-open';
                };
                /** @description no limit blocks a new trade now */
                canTrade: boolean;
                cooldown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  consecutiveLosses: number;
                  lossStreakLimit: number;
                  /** @description ISO 8601 UTC */
                  until: string | null;
                };
                dailyLoss: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
                drawdown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  fromPeak: string;
                  /** @description ISO 8601 UTC */
                  haltedAt: string | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  peakEquity: string;
                };
                /** @description drawdown halt in force (POST /risk-profile/reset-halt lifts it) */
                halted: boolean;
                openPositions: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  max: number;
                  used: number;
                };
                openRisk: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
              };
              pending: {
                /** @description ISO 8601 UTC */
                effectiveAt: string;
                field: string;
                /** @description ISO 8601 UTC */
                requestedAt: string;
                value: string | number | boolean;
              }[];
              /** @description in force now */
              profile: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              state: {
                /** @description decimal text */
                balance: string;
                consecutiveLosses: number;
                /** @description ISO 8601 UTC */
                haltedAt: string | null;
                /** @description ISO 8601 UTC */
                lastLossAt: string | null;
                openPositions: number;
                /** @description decimal text */
                openRisk: string;
                /** @description decimal text */
                peakEquity: string;
                /** @description UTC day (YYYY-MM-DD) of realizedPnlToday */
                realizedPnlDay: string | null;
                /** @description decimal text */
                realizedPnlToday: string;
                /** @description decimal text */
                reserved: string;
              };
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/risk-profile/pending/{field}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          field:
            | 'riskPerTradePct'
            | 'maxRiskPerTradePct'
            | 'minRewardRisk'
            | 'requireTakeProfit'
            | 'dailyLossLimitPct'
            | 'maxDrawdownPct'
            | 'maxOpenRiskPct'
            | 'maxOpenPositions'
            | 'lossStreakLimit'
            | 'cooldownMinutes'
            | 'maxLeverage';
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ceilings: {
                maxDrawdownPct: string;
                maxRiskPerTradePct: string;
              };
              coolingOffSeconds: number;
              defaults: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              fields: {
                [key: string]: {
                  /** @description hard ceiling of this field, or null */
                  ceiling: string | null;
                  default: string | number | boolean;
                  /**
                   * @description which way of changing it loosens the protocol
                   * @enum {string}
                   */
                  looserWhen: 'higher' | 'lower' | 'false';
                  /** @description a loosening waiting out the cooling-off period */
                  pending: {
                    /** @description ISO 8601 UTC */
                    effectiveAt: string;
                    /** @description ISO 8601 UTC */
                    requestedAt: string;
                    value: string | number | boolean;
                  } | null;
                  /** @description in force now */
                  value: string | number | boolean;
                };
              };
              limits: {
                breaker: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @enum {string} */
                  state: 'closed' | 'open' | 'half-open';
                };
                /** @description no limit blocks a new trade now */
                canTrade: boolean;
                cooldown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  consecutiveLosses: number;
                  lossStreakLimit: number;
                  /** @description ISO 8601 UTC */
                  until: string | null;
                };
                dailyLoss: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
                drawdown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  fromPeak: string;
                  /** @description ISO 8601 UTC */
                  haltedAt: string | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  peakEquity: string;
                };
                /** @description drawdown halt in force (POST /risk-profile/reset-halt lifts it) */
                halted: boolean;
                openPositions: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  max: number;
                  used: number;
                };
                openRisk: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
              };
              pending: {
                /** @description ISO 8601 UTC */
                effectiveAt: string;
                field: string;
                /** @description ISO 8601 UTC */
                requestedAt: string;
                value: string | number | boolean;
              }[];
              /** @description in force now */
              profile: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              state: {
                /** @description decimal text */
                balance: string;
                consecutiveLosses: number;
                /** @description ISO 8601 UTC */
                haltedAt: string | null;
                /** @description ISO 8601 UTC */
                lastLossAt: string | null;
                openPositions: number;
                /** @description decimal text */
                openRisk: string;
                /** @description decimal text */
                peakEquity: string;
                /** @description UTC day (YYYY-MM-DD) of realizedPnlToday */
                realizedPnlDay: string | null;
                /** @description decimal text */
                realizedPnlToday: string;
                /** @description decimal text */
                reserved: string;
              };
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/risk-profile/reset-halt': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ceilings: {
                maxDrawdownPct: string;
                maxRiskPerTradePct: string;
              };
              coolingOffSeconds: number;
              defaults: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              fields: {
                [key: string]: {
                  /** @description hard ceiling of this field, or null */
                  ceiling: string | null;
                  default: string | number | boolean;
                  /**
                   * @description which way of changing it loosens the protocol
                   * @enum {string}
                   */
                  looserWhen: 'higher' | 'lower' | 'false';
                  /** @description a loosening waiting out the cooling-off period */
                  pending: {
                    /** @description ISO 8601 UTC */
                    effectiveAt: string;
                    /** @description ISO 8601 UTC */
                    requestedAt: string;
                    value: string | number | boolean;
                  } | null;
                  /** @description in force now */
                  value: string | number | boolean;
                };
              };
              limits: {
                breaker: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @enum {string} */
                  state: 'closed' | 'open' | 'half-open';
                };
                /** @description no limit blocks a new trade now */
                canTrade: boolean;
                cooldown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  consecutiveLosses: number;
                  lossStreakLimit: number;
                  /** @description ISO 8601 UTC */
                  until: string | null;
                };
                dailyLoss: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
                drawdown: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  fromPeak: string;
                  /** @description ISO 8601 UTC */
                  haltedAt: string | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  peakEquity: string;
                };
                /** @description drawdown halt in force (POST /risk-profile/reset-halt lifts it) */
                halted: boolean;
                openPositions: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  max: number;
                  used: number;
                };
                openRisk: {
                  /** @description refuses new trades now */
                  blocking: boolean;
                  /** @description when it clears by itself, or null */
                  clearsAt: string | null;
                  /**
                   * @description what clears it, null when not blocking
                   * @enum {string|null}
                   */
                  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
                  /** @description decimal text */
                  limit: string;
                  limitPct: string;
                  /** @description decimal text */
                  used: string;
                };
              };
              pending: {
                /** @description ISO 8601 UTC */
                effectiveAt: string;
                field: string;
                /** @description ISO 8601 UTC */
                requestedAt: string;
                value: string | number | boolean;
              }[];
              /** @description in force now */
              profile: {
                cooldownMinutes: number;
                dailyLossLimitPct: string;
                lossStreakLimit: number;
                maxDrawdownPct: string;
                maxLeverage: string;
                maxOpenPositions: number;
                maxOpenRiskPct: string;
                maxRiskPerTradePct: string;
                minRewardRisk: string;
                requireTakeProfit: boolean;
                riskPerTradePct: string;
              };
              state: {
                /** @description decimal text */
                balance: string;
                consecutiveLosses: number;
                /** @description ISO 8601 UTC */
                haltedAt: string | null;
                /** @description ISO 8601 UTC */
                lastLossAt: string | null;
                openPositions: number;
                /** @description decimal text */
                openRisk: string;
                /** @description decimal text */
                peakEquity: string;
                /** @description UTC day (YYYY-MM-DD) of realizedPnlToday */
                realizedPnlDay: string | null;
                /** @description decimal text */
                realizedPnlToday: string;
                /** @description decimal text */
                reserved: string;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sizing': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description exchange connection to trade through (live); absent: the paper account */
            connectionId?: number;
            /** @description limit price of the entry */
            entryPrice?: string | number;
            /**
             * @description default: limit when entryPrice is given, else market
             * @enum {string}
             */
            entryType?: 'market' | 'limit';
            notes?: string;
            /** @description risk per trade override, percent of equity */
            riskPct?: string | number;
            /** @description setup name for the journal */
            setup?: string;
            /** @enum {string} */
            side: 'buy' | 'sell' | 'long' | 'short';
            /** @description stop-loss price (reduce-only stop-market) */
            stopLoss: string | number;
            /** @description instrument symbol, e.g. BTC-USD */
            symbol: string;
            tags?: string[];
            /** @description take-profit price (limit); required by the default profile */
            takeProfit?: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              approved: boolean;
              failed: {
                code: string;
                message: string;
                passed: boolean;
                rule: string;
              }[];
              sizing:
                | {
                    /** @description equity × risk: the most the trade may lose, quote currency */
                    budget: string;
                    /** @enum {string} */
                    cappedBy: 'risk' | 'leverage' | 'balance';
                    /** @description decimal text */
                    entryFee: string;
                    /** @description entry price used: the limit, or the mark for a market entry */
                    entryPrice: string;
                    /** @description decimal text */
                    equity: string;
                    /** @description loss per unit at the stop, fees included */
                    lossPerUnit: string | null;
                    /** @description decimal text */
                    margin: string;
                    /** @description qty × entry, quote currency */
                    notional: string;
                    /** @enum {boolean} */
                    ok: true;
                    /** @description quantity on the lot grid */
                    qty: string;
                    /** @description risk per trade applied, percent of equity */
                    requestedRiskPct: string;
                    /** @description gain at the take-profit before fees; null without one */
                    rewardAtTarget: string | null;
                    /** @description reward:risk at the take-profit (6 decimals); null without one */
                    rewardRisk: number | null;
                    /** @description loss at the stop with both fees, quote currency, after rounding to the lot */
                    risk: string;
                    /** @description risk as percent of equity */
                    riskPct: string;
                    /** @description taker fee of a stop-out at the stop */
                    stopFee: string;
                  }
                | {
                    /** @description equity × risk: the most the trade may lose, quote currency */
                    budget: string;
                    /** @enum {string|null} */
                    cappedBy: 'risk' | 'leverage' | 'balance' | null;
                    /** @description quantity-zero, quantity-below-minimum, notional-below-minimum or stop-equals-entry */
                    code: string;
                    /** @description entry price used: the limit, or the mark for a market entry */
                    entryPrice: string;
                    /** @description decimal text */
                    equity: string;
                    /** @description loss per unit at the stop, fees included */
                    lossPerUnit: string | null;
                    /** @enum {boolean} */
                    ok: false;
                    /** @description quantity on the lot grid */
                    qty: string;
                    /** @description risk per trade applied, percent of equity */
                    requestedRiskPct: string;
                    /** @description reward:risk at the take-profit (6 decimals); null without one */
                    rewardRisk: number | null;
                  };
              /** @description every rule of the protocol, in evaluation order */
              verdicts: {
                code: string;
                message: string;
                passed: boolean;
                rule: string;
              }[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategies': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            options?: {
              /** @description starting cash, quote currency (default "10000") */
              cash?: string | number;
              /** @description per fill: a fraction of traded value, or { fixed, rate } */
              commission?:
                | (string | number)
                | {
                    /** @description non-negative decimal, e.g. "0.001" */
                    fixed: string | number;
                    /** @description non-negative decimal, e.g. "0.001" */
                    rate: string | number;
                  };
              exclusiveOrders?: boolean;
              finalizeTrades?: boolean;
              /** @description size of one lot in units (default "1") */
              lotSize?: string | number;
              /** @description fraction added to the entry price against the trader */
              spread?: string | number;
              /** @description Testudo mode with the default risk profile (`testudo backtest --risk PCT`) */
              testudo?: {
                /** @description risk per trade, percent of equity (default: the protocol default) */
                riskPerTradePct?: string | number;
              };
              tradeOnClose?: boolean;
            };
            /** @description parameter values by name */
            params?: {
              [key: string]: number | boolean | string;
            };
            /** @description a built-in strategy, e.g. sma-cross */
            strategy: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategies/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            options?: {
              /** @description starting cash, quote currency (default "10000") */
              cash?: string | number;
              /** @description per fill: a fraction of traded value, or { fixed, rate } */
              commission?:
                | (string | number)
                | {
                    /** @description non-negative decimal, e.g. "0.001" */
                    fixed: string | number;
                    /** @description non-negative decimal, e.g. "0.001" */
                    rate: string | number;
                  };
              exclusiveOrders?: boolean;
              finalizeTrades?: boolean;
              /** @description size of one lot in units (default "1") */
              lotSize?: string | number;
              /** @description fraction added to the entry price against the trader */
              spread?: string | number;
              /** @description Testudo mode with the default risk profile (`testudo backtest --risk PCT`) */
              testudo?: {
                /** @description risk per trade, percent of equity (default: the protocol default) */
                riskPerTradePct?: string | number;
              };
              tradeOnClose?: boolean;
            };
            /** @description parameter values by name */
            params?: {
              [key: string]: number | boolean | string;
            };
            /** @description a built-in strategy, e.g. sma-cross */
            strategy: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              runs: {
                connectionId: number | null;
                /** @description ISO 8601 UTC */
                cursorTime: string | null;
                error: {
                  code: string;
                  message: string;
                } | null;
                /** @description ISO 8601 UTC */
                firstBarTime: string | null;
                /** @description first bar of the history the strategy is evaluated on */
                historyFrom: string | null;
                /** @enum {string} */
                host: 'server' | 'client';
                id: number;
                params: {
                  [key: string]: number | boolean | string;
                };
                /** @description ISO 8601 UTC */
                startedAt: string;
                startEquity: string;
                stats: {
                  expectancyR: number | null;
                  losses: number;
                  /** @description decimal text, quote currency */
                  netPnl: string;
                  netR: number;
                  /** @description pending or open trades */
                  open: number;
                  /** @description refused entries */
                  rejections: number;
                  /** @description closed trades */
                  trades: number;
                  /** @description a fraction */
                  winRate: number | null;
                  wins: number;
                };
                /** @enum {string} */
                status: 'running' | 'stopped' | 'failed';
                /** @description ISO 8601 UTC */
                stoppedAt: string | null;
                strategy: string;
                symbol: string;
                timeframe: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description trade through this exchange connection */
            connectionId?: number;
            /**
             * @description server: a built-in strategy run by the server; client: your module run by testudo run PATH
             * @enum {string}
             */
            host?: 'server' | 'client';
            /** @description parameter values by name */
            params?: {
              [key: string]: number | boolean | string;
            };
            /** @description a built-in strategy (sma-cross, breakout) or your module’s name */
            strategy: string;
            symbol: string;
            /**
             * @description bar timeframe
             * @enum {string}
             */
            timeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d' | '1w';
            /** @description history bars, default 500 */
            warmupBars?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              connectionId: number | null;
              /** @description ISO 8601 UTC */
              cursorTime: string | null;
              error: {
                code: string;
                message: string;
              } | null;
              /** @description ISO 8601 UTC */
              firstBarTime: string | null;
              /** @description first bar of the history the strategy is evaluated on */
              historyFrom: string | null;
              /** @enum {string} */
              host: 'server' | 'client';
              id: number;
              params: {
                [key: string]: number | boolean | string;
              };
              /** @description ISO 8601 UTC */
              startedAt: string;
              startEquity: string;
              stats: {
                expectancyR: number | null;
                losses: number;
                /** @description decimal text, quote currency */
                netPnl: string;
                netR: number;
                /** @description pending or open trades */
                open: number;
                /** @description refused entries */
                rejections: number;
                /** @description closed trades */
                trades: number;
                /** @description a fraction */
                winRate: number | null;
                wins: number;
              };
              /** @enum {string} */
              status: 'running' | 'stopped' | 'failed';
              /** @description ISO 8601 UTC */
              stoppedAt: string | null;
              strategy: string;
              symbol: string;
              timeframe: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              connectionId: number | null;
              /** @description ISO 8601 UTC */
              cursorTime: string | null;
              error: {
                code: string;
                message: string;
              } | null;
              /** @description ISO 8601 UTC */
              firstBarTime: string | null;
              /** @description first bar of the history the strategy is evaluated on */
              historyFrom: string | null;
              /** @enum {string} */
              host: 'server' | 'client';
              id: number;
              params: {
                [key: string]: number | boolean | string;
              };
              /** @description ISO 8601 UTC */
              startedAt: string;
              startEquity: string;
              stats: {
                expectancyR: number | null;
                losses: number;
                /** @description decimal text, quote currency */
                netPnl: string;
                netR: number;
                /** @description pending or open trades */
                open: number;
                /** @description refused entries */
                rejections: number;
                /** @description closed trades */
                trades: number;
                /** @description a fraction */
                winRate: number | null;
                wins: number;
              };
              /** @enum {string} */
              status: 'running' | 'stopped' | 'failed';
              /** @description ISO 8601 UTC */
              stoppedAt: string | null;
              strategy: string;
              symbol: string;
              timeframe: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs/{id}/close': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: date-time
             * @description open time of the bar, ISO 8601
             */
            barTime: string;
            /** @description order of the call on that bar, from 0 */
            seq: number;
          };
        };
      };
      responses: {
        /** @description as POST /api/v1/trades answers (201 or 422) */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          /** @description events after this event id */
          after?: number;
          limit?: number;
        };
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              events: {
                /** @description ISO 8601 UTC */
                barTime: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string;
                data: {
                  [key: string]: unknown;
                };
                id: number;
                /** @enum {string} */
                kind: 'signal' | 'decision' | 'order' | 'fill' | 'status';
              }[];
              next: number | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs/{id}/orders': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: date-time
             * @description open time of the bar, ISO 8601
             */
            barTime: string;
            /** @description order of the call on that bar, from 0 */
            seq: number;
            /** @enum {string} */
            side: 'buy' | 'sell';
            /** @description stop-loss price (required by the rules: stop-required) */
            sl?: number;
            tag?: string;
            /** @description take-profit price */
            tp?: number;
          };
        };
      };
      responses: {
        /** @description as POST /api/v1/trades answers (201 or 422) */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
        /** @description as POST /api/v1/trades answers (201 or 422) */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs/{id}/parity': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          /** @description only trades that entered at or after this time */
          from?: string;
          /** @description only trades that entered before this time */
          to?: string;
        };
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              backtest: {
                bars: number;
                /** @description ISO 8601 UTC */
                from: string;
                /** @description ISO 8601 UTC */
                to: string;
                trades: number;
              };
              backtestRejections: {
                [key: string]: number;
              };
              /** @description every trade matched with no difference */
              equal: boolean;
              liveRejections: {
                codes: string[];
                decisionId: number | null;
                /** @description ISO 8601 UTC */
                time: string;
              }[];
              range: {
                /** @description ISO 8601 UTC */
                from: string | null;
                /** @description ISO 8601 UTC */
                to: string | null;
              };
              rows: {
                backtest: {
                  entryPrice: string;
                  /** @description open time of the entry bar */
                  entryTime: string;
                  exitPrice: string | null;
                  /** @description backtest: signal, stop, target, end; live: stop, target, manual */
                  exitReason: string | null;
                  /** @description open time of the exit bar; null while open */
                  exitTime: string | null;
                  fees: string;
                  /** @description net P&L after fees */
                  pnl: string | null;
                  r: number | null;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @description quantity, base units */
                  size: string;
                  /** @description the journal trade (live side) */
                  tradeId?: number;
                } | null;
                diff: {
                  /** @description live − backtest, exact decimal text */
                  entryPrice: string;
                  entrySlippageR: number | null;
                  /** @description live − backtest, ms */
                  entryTimeMs: number;
                  exitPrice: string | null;
                  exitSlippageR: number | null;
                  exitTimeMs: number | null;
                  fees: string;
                  /** @description fee difference in R; positive = the live trade paid more */
                  feesR: number | null;
                  pnl: string | null;
                  /** @description live R − backtest R */
                  r: number | null;
                  size: string;
                  /** @description entry + exit slippage in R; positive = a cost to the trader */
                  slippageR: number | null;
                } | null;
                differences: string[];
                equal: boolean;
                live: {
                  entryPrice: string;
                  /** @description open time of the entry bar */
                  entryTime: string;
                  exitPrice: string | null;
                  /** @description backtest: signal, stop, target, end; live: stop, target, manual */
                  exitReason: string | null;
                  /** @description open time of the exit bar; null while open */
                  exitTime: string | null;
                  fees: string;
                  /** @description net P&L after fees */
                  pnl: string | null;
                  r: number | null;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @description quantity, base units */
                  size: string;
                  /** @description the journal trade (live side) */
                  tradeId?: number;
                } | null;
                /** @description live rule rejections on a missed trade’s entry bar */
                rejectedBy: string[];
                /** @enum {string} */
                status: 'matched' | 'missed' | 'extra';
              }[];
              run: {
                connectionId: number | null;
                /** @description ISO 8601 UTC */
                cursorTime: string | null;
                /** @description ISO 8601 UTC */
                firstBarTime: string | null;
                /** @description ISO 8601 UTC */
                historyFrom: string | null;
                host: string;
                id: number;
                params: {
                  [key: string]: unknown;
                };
                startEquity: string;
                status: string;
                strategy: string;
                symbol: string;
                timeframe: string;
              };
              settings: {
                cash: string;
                fees: {
                  maker: string;
                  taker: string;
                };
                lotSize: string;
                riskProfile: {
                  [key: string]: unknown;
                };
                /** @enum {boolean} */
                testudo: true;
                tickSize: string;
                /** @enum {boolean} */
                tradeOnClose: true;
              };
              totals: {
                backtestR: number;
                backtestRejections: number;
                backtestTrades: number;
                differing: number;
                diffR: number;
                extra: number;
                extraR: number;
                fees: string;
                feesR: number;
                liveR: number;
                liveRejections: number;
                liveTrades: number;
                matched: number;
                missed: number;
                missedR: number;
                /** @description matched pairs whose live trade is still open (exits not compared yet) */
                openLive: number;
                pnl: string;
                slippageR: number;
              };
              warnings: string[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs/{id}/signals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: date-time
             * @description open time of the bar, ISO 8601
             */
            barTime: string;
            /** @description what the strategy saw or decided (free JSON) */
            data: {
              [key: string]: unknown;
            };
            /**
             * @description order of the call on that bar, from 0
             * @default 0
             */
            seq?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description ISO 8601 UTC */
              barTime: string | null;
              /** @description ISO 8601 UTC */
              createdAt: string;
              data: {
                [key: string]: unknown;
              };
              id: number;
              /** @enum {string} */
              kind: 'signal' | 'decision' | 'order' | 'fill' | 'status';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/strategy-runs/{id}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              connectionId: number | null;
              /** @description ISO 8601 UTC */
              cursorTime: string | null;
              error: {
                code: string;
                message: string;
              } | null;
              /** @description ISO 8601 UTC */
              firstBarTime: string | null;
              /** @description first bar of the history the strategy is evaluated on */
              historyFrom: string | null;
              /** @enum {string} */
              host: 'server' | 'client';
              id: number;
              params: {
                [key: string]: number | boolean | string;
              };
              /** @description ISO 8601 UTC */
              startedAt: string;
              startEquity: string;
              stats: {
                expectancyR: number | null;
                losses: number;
                /** @description decimal text, quote currency */
                netPnl: string;
                netR: number;
                /** @description pending or open trades */
                open: number;
                /** @description refused entries */
                rejections: number;
                /** @description closed trades */
                trades: number;
                /** @description a fraction */
                winRate: number | null;
                wins: number;
              };
              /** @enum {string} */
              status: 'running' | 'stopped' | 'failed';
              /** @description ISO 8601 UTC */
              stoppedAt: string | null;
              strategy: string;
              symbol: string;
              timeframe: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/trades': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          from?: string;
          limit?: number;
          setup?: string;
          status?: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
          symbol?: string;
          tag?: string;
          to?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              trades: ({
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              })[];
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description exchange connection to trade through (live); absent: the paper account */
            connectionId?: number;
            /** @description limit price of the entry */
            entryPrice?: string | number;
            /**
             * @description default: limit when entryPrice is given, else market
             * @enum {string}
             */
            entryType?: 'market' | 'limit';
            notes?: string;
            /** @description risk per trade override, percent of equity */
            riskPct?: string | number;
            /** @description setup name for the journal */
            setup?: string;
            /** @enum {string} */
            side: 'buy' | 'sell' | 'long' | 'short';
            /** @description stop-loss price (reduce-only stop-market) */
            stopLoss: string | number;
            /** @description instrument symbol, e.g. BTC-USD */
            symbol: string;
            tags?: string[];
            /** @description take-profit price (limit); required by the default profile */
            takeProfit?: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision: {
                approved: boolean;
                /** @description ISO 8601 UTC */
                createdAt: string;
                id: number;
                /** @enum {string} */
                kind?: 'submit';
                side: string;
                sizing:
                  | {
                      /** @description equity × risk: the most the trade may lose, quote currency */
                      budget: string;
                      /** @enum {string} */
                      cappedBy: 'risk' | 'leverage' | 'balance';
                      /** @description decimal text */
                      entryFee: string;
                      /** @description entry price used: the limit, or the mark for a market entry */
                      entryPrice: string;
                      /** @description decimal text */
                      equity: string;
                      /** @description loss per unit at the stop, fees included */
                      lossPerUnit: string | null;
                      /** @description decimal text */
                      margin: string;
                      /** @description qty × entry, quote currency */
                      notional: string;
                      /** @enum {boolean} */
                      ok: true;
                      /** @description quantity on the lot grid */
                      qty: string;
                      /** @description risk per trade applied, percent of equity */
                      requestedRiskPct: string;
                      /** @description gain at the take-profit before fees; null without one */
                      rewardAtTarget: string | null;
                      /** @description reward:risk at the take-profit (6 decimals); null without one */
                      rewardRisk: number | null;
                      /** @description loss at the stop with both fees, quote currency, after rounding to the lot */
                      risk: string;
                      /** @description risk as percent of equity */
                      riskPct: string;
                      /** @description taker fee of a stop-out at the stop */
                      stopFee: string;
                    }
                  | {
                      /** @description equity × risk: the most the trade may lose, quote currency */
                      budget: string;
                      /** @enum {string|null} */
                      cappedBy: 'risk' | 'leverage' | 'balance' | null;
                      /** @description quantity-zero, quantity-below-minimum, notional-below-minimum or stop-equals-entry */
                      code: string;
                      /** @description entry price used: the limit, or the mark for a market entry */
                      entryPrice: string;
                      /** @description decimal text */
                      equity: string;
                      /** @description loss per unit at the stop, fees included */
                      lossPerUnit: string | null;
                      /** @enum {boolean} */
                      ok: false;
                      /** @description quantity on the lot grid */
                      qty: string;
                      /** @description risk per trade applied, percent of equity */
                      requestedRiskPct: string;
                      /** @description reward:risk at the take-profit (6 decimals); null without one */
                      rewardRisk: number | null;
                    };
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              trade: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision?: {
                approved: boolean;
                /** @description ISO 8601 UTC */
                createdAt: string;
                id: number;
                /** @enum {string} */
                kind?: 'submit';
                side: string;
                sizing:
                  | {
                      /** @description equity × risk: the most the trade may lose, quote currency */
                      budget: string;
                      /** @enum {string} */
                      cappedBy: 'risk' | 'leverage' | 'balance';
                      /** @description decimal text */
                      entryFee: string;
                      /** @description entry price used: the limit, or the mark for a market entry */
                      entryPrice: string;
                      /** @description decimal text */
                      equity: string;
                      /** @description loss per unit at the stop, fees included */
                      lossPerUnit: string | null;
                      /** @description decimal text */
                      margin: string;
                      /** @description qty × entry, quote currency */
                      notional: string;
                      /** @enum {boolean} */
                      ok: true;
                      /** @description quantity on the lot grid */
                      qty: string;
                      /** @description risk per trade applied, percent of equity */
                      requestedRiskPct: string;
                      /** @description gain at the take-profit before fees; null without one */
                      rewardAtTarget: string | null;
                      /** @description reward:risk at the take-profit (6 decimals); null without one */
                      rewardRisk: number | null;
                      /** @description loss at the stop with both fees, quote currency, after rounding to the lot */
                      risk: string;
                      /** @description risk as percent of equity */
                      riskPct: string;
                      /** @description taker fee of a stop-out at the stop */
                      stopFee: string;
                    }
                  | {
                      /** @description equity × risk: the most the trade may lose, quote currency */
                      budget: string;
                      /** @enum {string|null} */
                      cappedBy: 'risk' | 'leverage' | 'balance' | null;
                      /** @description quantity-zero, quantity-below-minimum, notional-below-minimum or stop-equals-entry */
                      code: string;
                      /** @description entry price used: the limit, or the mark for a market entry */
                      entryPrice: string;
                      /** @description decimal text */
                      equity: string;
                      /** @description loss per unit at the stop, fees included */
                      lossPerUnit: string | null;
                      /** @enum {boolean} */
                      ok: false;
                      /** @description quantity on the lot grid */
                      qty: string;
                      /** @description risk per trade applied, percent of equity */
                      requestedRiskPct: string;
                      /** @description reward:risk at the take-profit (6 decimals); null without one */
                      rewardRisk: number | null;
                    };
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              error: {
                code: string;
                message: string;
                rules?: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
                /** @description the venue's own error code (venue-rejected) */
                venueCode?: string | null;
              };
              /** @description venue-rejected: the trade, status rejected */
              trade?: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/trades/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              /** @description ISO 8601 UTC */
              closedAt: string | null;
              /** @description ISO 8601 UTC */
              createdAt: string | null;
              /** @description the stop now (moves, breakeven); null: imported, unknown */
              currentStopLoss: string | null;
              /** @description decimal text */
              currentTakeProfit: string | null;
              /** @description null for a trade imported from a venue history */
              decisionId: number | null;
              /** @description every decision about this trade, the submission first */
              decisions: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              }[];
              /** @description decimal text */
              entryFee: string | null;
              /** @description decimal text */
              entryFillPrice: string | null;
              /** @description limit price, or the reference price of a market entry */
              entryPrice: string;
              /** @enum {string} */
              entryType: 'market' | 'limit';
              /** @description decimal text */
              exitFee: string | null;
              /** @description price of the exit that closed the position (partial exits are fills) */
              exitPrice: string | null;
              /** @enum {string|null} */
              exitReason: 'stop' | 'target' | 'manual' | null;
              /** @description entry fee + every exit fee */
              fees: string | null;
              fills: {
                /** @description decimal text */
                fee: string;
                /** @description ISO 8601 UTC */
                filledAt: string;
                id: number;
                /** @enum {string} */
                liquidity: 'maker' | 'taker';
                orderId: number;
                /** @description decimal text */
                price: string;
                /** @description decimal text */
                qty: string;
                tradeId: number;
              }[];
              /** @description every exit included */
              grossPnl: string | null;
              holdingMs: number | null;
              id: number;
              /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
              initialRisk: string | null;
              /** @description largest adverse move from the entry fill, price units; null until filled */
              maeDistance: string | null;
              maeR: number | null;
              /** @description decimal text */
              margin: string | null;
              /** @description largest favourable move from the entry fill, price units */
              mfeDistance: string | null;
              mfeR: number | null;
              /** @description decimal text */
              netPnl: string | null;
              notes: string | null;
              /** @description ISO 8601 UTC */
              openedAt: string | null;
              /** @description size still open (the entry size while pending; 0 once closed) */
              openQty: string;
              orders: {
                /** @description client order id sent to the venue (live trades) */
                clientOrderId?: string | null;
                /** @description quantity filled so far */
                filledQty?: string;
                id: number;
                /** @enum {string} */
                leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                oco: boolean;
                /** @description decimal text */
                price: string | null;
                /** @description decimal text */
                qty: string;
                reduceOnly: boolean;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                tradeId: number;
                /** @enum {string} */
                type: 'market' | 'limit' | 'stop-market';
                /** @description ISO 8601 UTC */
                updatedAt: string | null;
                /** @description the venue's order id (live trades) */
                venueOrderId?: string | null;
              }[];
              /** @description decimal text */
              plannedRisk: string | null;
              /** @description entry quantity */
              qty: string;
              /** @description decimal text */
              requestedRiskPct: string | null;
              /** @description netPnl ÷ initialRisk */
              rMultiple: number | null;
              setup: string | null;
              /** @enum {string} */
              side: 'buy' | 'sell';
              /** @enum {string} */
              status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
              /** @description initial stop-loss (null: imported, unknown) */
              stopLoss: string | null;
              /** @description market time of the submission */
              submittedAt: string;
              symbol: string;
              tags: string[];
              /** @description initial take-profit */
              takeProfit: string | null;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description null clears the notes */
            notes?: string | null;
            /** @description setup name; null clears it */
            setup?: string | null;
            /** @description replaces the tags */
            tags?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              /** @description ISO 8601 UTC */
              closedAt: string | null;
              /** @description ISO 8601 UTC */
              createdAt: string | null;
              /** @description the stop now (moves, breakeven); null: imported, unknown */
              currentStopLoss: string | null;
              /** @description decimal text */
              currentTakeProfit: string | null;
              /** @description null for a trade imported from a venue history */
              decisionId: number | null;
              /** @description every decision about this trade, the submission first */
              decisions: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              }[];
              /** @description decimal text */
              entryFee: string | null;
              /** @description decimal text */
              entryFillPrice: string | null;
              /** @description limit price, or the reference price of a market entry */
              entryPrice: string;
              /** @enum {string} */
              entryType: 'market' | 'limit';
              /** @description decimal text */
              exitFee: string | null;
              /** @description price of the exit that closed the position (partial exits are fills) */
              exitPrice: string | null;
              /** @enum {string|null} */
              exitReason: 'stop' | 'target' | 'manual' | null;
              /** @description entry fee + every exit fee */
              fees: string | null;
              fills: {
                /** @description decimal text */
                fee: string;
                /** @description ISO 8601 UTC */
                filledAt: string;
                id: number;
                /** @enum {string} */
                liquidity: 'maker' | 'taker';
                orderId: number;
                /** @description decimal text */
                price: string;
                /** @description decimal text */
                qty: string;
                tradeId: number;
              }[];
              /** @description every exit included */
              grossPnl: string | null;
              holdingMs: number | null;
              id: number;
              /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
              initialRisk: string | null;
              /** @description largest adverse move from the entry fill, price units; null until filled */
              maeDistance: string | null;
              maeR: number | null;
              /** @description decimal text */
              margin: string | null;
              /** @description largest favourable move from the entry fill, price units */
              mfeDistance: string | null;
              mfeR: number | null;
              /** @description decimal text */
              netPnl: string | null;
              notes: string | null;
              /** @description ISO 8601 UTC */
              openedAt: string | null;
              /** @description size still open (the entry size while pending; 0 once closed) */
              openQty: string;
              orders: {
                /** @description client order id sent to the venue (live trades) */
                clientOrderId?: string | null;
                /** @description quantity filled so far */
                filledQty?: string;
                id: number;
                /** @enum {string} */
                leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                oco: boolean;
                /** @description decimal text */
                price: string | null;
                /** @description decimal text */
                qty: string;
                reduceOnly: boolean;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                tradeId: number;
                /** @enum {string} */
                type: 'market' | 'limit' | 'stop-market';
                /** @description ISO 8601 UTC */
                updatedAt: string | null;
                /** @description the venue's order id (live trades) */
                venueOrderId?: string | null;
              }[];
              /** @description decimal text */
              plannedRisk: string | null;
              /** @description entry quantity */
              qty: string;
              /** @description decimal text */
              requestedRiskPct: string | null;
              /** @description netPnl ÷ initialRisk */
              rMultiple: number | null;
              setup: string | null;
              /** @enum {string} */
              side: 'buy' | 'sell';
              /** @enum {string} */
              status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
              /** @description initial stop-loss (null: imported, unknown) */
              stopLoss: string | null;
              /** @description market time of the submission */
              submittedAt: string;
              symbol: string;
              tags: string[];
              /** @description initial take-profit */
              takeProfit: string | null;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    trace?: never;
  };
  '/api/v1/trades/{id}/breakeven': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              trade: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description the stop now (moves, breakeven); null: imported, unknown */
                currentStopLoss: string | null;
                /** @description decimal text */
                currentTakeProfit: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description every decision about this trade, the submission first */
                decisions: {
                  approved: boolean;
                  /** @description what a change of a trade moved (to: null when refused); null for a submission */
                  change: {
                    cancelled?: boolean;
                    /** @description decimal text */
                    exitPrice?: string;
                    /** @description decimal text */
                    markPrice?: string;
                    openQty?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                    stopLoss?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                    takeProfit?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                  } | null;
                  /** @description ISO 8601 UTC */
                  createdAt: string | null;
                  id: number;
                  /** @description the request as received */
                  input: {
                    [key: string]: unknown;
                  };
                  /** @enum {string} */
                  kind:
                    | 'submit'
                    | 'move-stop'
                    | 'move-target'
                    | 'breakeven'
                    | 'partial-close'
                    | 'close'
                    | 'venue'
                    | 'reconcile';
                  /** @description ISO 8601 UTC */
                  marketTime: string;
                  side: string;
                  /** @description the sizing of a submission; null for other kinds */
                  sizing: {
                    [key: string]: unknown;
                  } | null;
                  symbol: string;
                  tradeId: number | null;
                  verdicts: {
                    code: string;
                    message: string;
                    passed: boolean;
                    rule: string;
                  }[];
                }[];
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                fills: {
                  /** @description decimal text */
                  fee: string;
                  /** @description ISO 8601 UTC */
                  filledAt: string;
                  id: number;
                  /** @enum {string} */
                  liquidity: 'maker' | 'taker';
                  orderId: number;
                  /** @description decimal text */
                  price: string;
                  /** @description decimal text */
                  qty: string;
                  tradeId: number;
                }[];
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                /** @description largest adverse move from the entry fill, price units; null until filled */
                maeDistance: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                /** @description largest favourable move from the entry fill, price units */
                mfeDistance: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                /** @description size still open (the entry size while pending; 0 once closed) */
                openQty: string;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision?: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              error: {
                code: string;
                message: string;
                rules?: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
                /** @description the venue's own error code (venue-rejected) */
                venueCode?: string | null;
              };
              /** @description venue-rejected: the trade, status rejected */
              trade?: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/trades/{id}/close': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description part of the open size to close, on the lot grid (below the open size; omitted: all of it) */
            quantity?: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              accountId: number;
              /** @description ISO 8601 UTC */
              closedAt: string | null;
              /** @description ISO 8601 UTC */
              createdAt: string | null;
              /** @description the stop now (moves, breakeven); null: imported, unknown */
              currentStopLoss: string | null;
              /** @description decimal text */
              currentTakeProfit: string | null;
              /** @description null for a trade imported from a venue history */
              decisionId: number | null;
              /** @description every decision about this trade, the submission first */
              decisions: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              }[];
              /** @description decimal text */
              entryFee: string | null;
              /** @description decimal text */
              entryFillPrice: string | null;
              /** @description limit price, or the reference price of a market entry */
              entryPrice: string;
              /** @enum {string} */
              entryType: 'market' | 'limit';
              /** @description decimal text */
              exitFee: string | null;
              /** @description price of the exit that closed the position (partial exits are fills) */
              exitPrice: string | null;
              /** @enum {string|null} */
              exitReason: 'stop' | 'target' | 'manual' | null;
              /** @description entry fee + every exit fee */
              fees: string | null;
              fills: {
                /** @description decimal text */
                fee: string;
                /** @description ISO 8601 UTC */
                filledAt: string;
                id: number;
                /** @enum {string} */
                liquidity: 'maker' | 'taker';
                orderId: number;
                /** @description decimal text */
                price: string;
                /** @description decimal text */
                qty: string;
                tradeId: number;
              }[];
              /** @description every exit included */
              grossPnl: string | null;
              holdingMs: number | null;
              id: number;
              /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
              initialRisk: string | null;
              /** @description largest adverse move from the entry fill, price units; null until filled */
              maeDistance: string | null;
              maeR: number | null;
              /** @description decimal text */
              margin: string | null;
              /** @description largest favourable move from the entry fill, price units */
              mfeDistance: string | null;
              mfeR: number | null;
              /** @description decimal text */
              netPnl: string | null;
              notes: string | null;
              /** @description ISO 8601 UTC */
              openedAt: string | null;
              /** @description size still open (the entry size while pending; 0 once closed) */
              openQty: string;
              orders: {
                /** @description client order id sent to the venue (live trades) */
                clientOrderId?: string | null;
                /** @description quantity filled so far */
                filledQty?: string;
                id: number;
                /** @enum {string} */
                leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                oco: boolean;
                /** @description decimal text */
                price: string | null;
                /** @description decimal text */
                qty: string;
                reduceOnly: boolean;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                tradeId: number;
                /** @enum {string} */
                type: 'market' | 'limit' | 'stop-market';
                /** @description ISO 8601 UTC */
                updatedAt: string | null;
                /** @description the venue's order id (live trades) */
                venueOrderId?: string | null;
              }[];
              /** @description decimal text */
              plannedRisk: string | null;
              /** @description entry quantity */
              qty: string;
              /** @description decimal text */
              requestedRiskPct: string | null;
              /** @description netPnl ÷ initialRisk */
              rMultiple: number | null;
              setup: string | null;
              /** @enum {string} */
              side: 'buy' | 'sell';
              /** @enum {string} */
              status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
              /** @description initial stop-loss (null: imported, unknown) */
              stopLoss: string | null;
              /** @description market time of the submission */
              submittedAt: string;
              symbol: string;
              tags: string[];
              /** @description initial take-profit */
              takeProfit: string | null;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision?: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              error: {
                code: string;
                message: string;
                rules?: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
                /** @description the venue's own error code (venue-rejected) */
                venueCode?: string | null;
              };
              /** @description venue-rejected: the trade, status rejected */
              trade?: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/trades/{id}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the new price, on the tick grid */
            price: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              trade: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description the stop now (moves, breakeven); null: imported, unknown */
                currentStopLoss: string | null;
                /** @description decimal text */
                currentTakeProfit: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description every decision about this trade, the submission first */
                decisions: {
                  approved: boolean;
                  /** @description what a change of a trade moved (to: null when refused); null for a submission */
                  change: {
                    cancelled?: boolean;
                    /** @description decimal text */
                    exitPrice?: string;
                    /** @description decimal text */
                    markPrice?: string;
                    openQty?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                    stopLoss?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                    takeProfit?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                  } | null;
                  /** @description ISO 8601 UTC */
                  createdAt: string | null;
                  id: number;
                  /** @description the request as received */
                  input: {
                    [key: string]: unknown;
                  };
                  /** @enum {string} */
                  kind:
                    | 'submit'
                    | 'move-stop'
                    | 'move-target'
                    | 'breakeven'
                    | 'partial-close'
                    | 'close'
                    | 'venue'
                    | 'reconcile';
                  /** @description ISO 8601 UTC */
                  marketTime: string;
                  side: string;
                  /** @description the sizing of a submission; null for other kinds */
                  sizing: {
                    [key: string]: unknown;
                  } | null;
                  symbol: string;
                  tradeId: number | null;
                  verdicts: {
                    code: string;
                    message: string;
                    passed: boolean;
                    rule: string;
                  }[];
                }[];
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                fills: {
                  /** @description decimal text */
                  fee: string;
                  /** @description ISO 8601 UTC */
                  filledAt: string;
                  id: number;
                  /** @enum {string} */
                  liquidity: 'maker' | 'taker';
                  orderId: number;
                  /** @description decimal text */
                  price: string;
                  /** @description decimal text */
                  qty: string;
                  tradeId: number;
                }[];
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                /** @description largest adverse move from the entry fill, price units; null until filled */
                maeDistance: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                /** @description largest favourable move from the entry fill, price units */
                mfeDistance: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                /** @description size still open (the entry size while pending; 0 once closed) */
                openQty: string;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision?: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              error: {
                code: string;
                message: string;
                rules?: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
                /** @description the venue's own error code (venue-rejected) */
                venueCode?: string | null;
              };
              /** @description venue-rejected: the trade, status rejected */
              trade?: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/trades/{id}/target': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the new price, on the tick grid */
            price: string | number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              trade: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description the stop now (moves, breakeven); null: imported, unknown */
                currentStopLoss: string | null;
                /** @description decimal text */
                currentTakeProfit: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description every decision about this trade, the submission first */
                decisions: {
                  approved: boolean;
                  /** @description what a change of a trade moved (to: null when refused); null for a submission */
                  change: {
                    cancelled?: boolean;
                    /** @description decimal text */
                    exitPrice?: string;
                    /** @description decimal text */
                    markPrice?: string;
                    openQty?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                    stopLoss?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                    takeProfit?: {
                      /** @description decimal text */
                      from: string | null;
                      /** @description decimal text */
                      to: string | null;
                    };
                  } | null;
                  /** @description ISO 8601 UTC */
                  createdAt: string | null;
                  id: number;
                  /** @description the request as received */
                  input: {
                    [key: string]: unknown;
                  };
                  /** @enum {string} */
                  kind:
                    | 'submit'
                    | 'move-stop'
                    | 'move-target'
                    | 'breakeven'
                    | 'partial-close'
                    | 'close'
                    | 'venue'
                    | 'reconcile';
                  /** @description ISO 8601 UTC */
                  marketTime: string;
                  side: string;
                  /** @description the sizing of a submission; null for other kinds */
                  sizing: {
                    [key: string]: unknown;
                  } | null;
                  symbol: string;
                  tradeId: number | null;
                  verdicts: {
                    code: string;
                    message: string;
                    passed: boolean;
                    rule: string;
                  }[];
                }[];
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                fills: {
                  /** @description decimal text */
                  fee: string;
                  /** @description ISO 8601 UTC */
                  filledAt: string;
                  id: number;
                  /** @enum {string} */
                  liquidity: 'maker' | 'taker';
                  orderId: number;
                  /** @description decimal text */
                  price: string;
                  /** @description decimal text */
                  qty: string;
                  tradeId: number;
                }[];
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                /** @description largest adverse move from the entry fill, price units; null until filled */
                maeDistance: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                /** @description largest favourable move from the entry fill, price units */
                mfeDistance: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                /** @description size still open (the entry size while pending; 0 once closed) */
                openQty: string;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              decision?: {
                approved: boolean;
                /** @description what a change of a trade moved (to: null when refused); null for a submission */
                change: {
                  cancelled?: boolean;
                  /** @description decimal text */
                  exitPrice?: string;
                  /** @description decimal text */
                  markPrice?: string;
                  openQty?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  stopLoss?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                  takeProfit?: {
                    /** @description decimal text */
                    from: string | null;
                    /** @description decimal text */
                    to: string | null;
                  };
                } | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                id: number;
                /** @description the request as received */
                input: {
                  [key: string]: unknown;
                };
                /** @enum {string} */
                kind:
                  | 'submit'
                  | 'move-stop'
                  | 'move-target'
                  | 'breakeven'
                  | 'partial-close'
                  | 'close'
                  | 'venue'
                  | 'reconcile';
                /** @description ISO 8601 UTC */
                marketTime: string;
                side: string;
                /** @description the sizing of a submission; null for other kinds */
                sizing: {
                  [key: string]: unknown;
                } | null;
                symbol: string;
                tradeId: number | null;
                verdicts: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
              };
              error: {
                code: string;
                message: string;
                rules?: {
                  code: string;
                  message: string;
                  passed: boolean;
                  rule: string;
                }[];
                /** @description the venue's own error code (venue-rejected) */
                venueCode?: string | null;
              };
              /** @description venue-rejected: the trade, status rejected */
              trade?: {
                accountId: number;
                /** @description ISO 8601 UTC */
                closedAt: string | null;
                /** @description ISO 8601 UTC */
                createdAt: string | null;
                /** @description null for a trade imported from a venue history */
                decisionId: number | null;
                /** @description decimal text */
                entryFee: string | null;
                /** @description decimal text */
                entryFillPrice: string | null;
                /** @description limit price, or the reference price of a market entry */
                entryPrice: string;
                /** @enum {string} */
                entryType: 'market' | 'limit';
                /** @description decimal text */
                exitFee: string | null;
                /** @description price of the exit that closed the position (partial exits are fills) */
                exitPrice: string | null;
                /** @enum {string|null} */
                exitReason: 'stop' | 'target' | 'manual' | null;
                /** @description entry fee + every exit fee */
                fees: string | null;
                /** @description every exit included */
                grossPnl: string | null;
                holdingMs: number | null;
                id: number;
                /** @description |entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open) */
                initialRisk: string | null;
                maeR: number | null;
                /** @description decimal text */
                margin: string | null;
                mfeR: number | null;
                /** @description decimal text */
                netPnl: string | null;
                notes: string | null;
                /** @description ISO 8601 UTC */
                openedAt: string | null;
                orders: {
                  /** @description client order id sent to the venue (live trades) */
                  clientOrderId?: string | null;
                  /** @description quantity filled so far */
                  filledQty?: string;
                  id: number;
                  /** @enum {string} */
                  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
                  oco: boolean;
                  /** @description decimal text */
                  price: string | null;
                  /** @description decimal text */
                  qty: string;
                  reduceOnly: boolean;
                  /** @enum {string} */
                  side: 'buy' | 'sell';
                  /** @enum {string} */
                  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
                  tradeId: number;
                  /** @enum {string} */
                  type: 'market' | 'limit' | 'stop-market';
                  /** @description ISO 8601 UTC */
                  updatedAt: string | null;
                  /** @description the venue's order id (live trades) */
                  venueOrderId?: string | null;
                }[];
                /** @description decimal text */
                plannedRisk: string | null;
                /** @description entry quantity */
                qty: string;
                /** @description decimal text */
                requestedRiskPct: string | null;
                /** @description netPnl ÷ initialRisk */
                rMultiple: number | null;
                setup: string | null;
                /** @enum {string} */
                side: 'buy' | 'sell';
                /** @enum {string} */
                status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
                /** @description initial stop-loss (null: imported, unknown) */
                stopLoss: string | null;
                /** @description market time of the submission */
                submittedAt: string;
                symbol: string;
                tags: string[];
                /** @description initial take-profit */
                takeProfit: string | null;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: never;
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
