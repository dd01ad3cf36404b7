/** The browser session's cookie, shared by the authentication hook and the auth routes. */

/** Name of the session cookie. */
export const SESSION_COOKIE = 'testudo_session';
