/**
 * Sign in or register. Registering signs you in. Field errors from the server (`fields[]`) are shown next to
 * their field; what the user typed is kept.
 */
import { useState, type FormEvent } from 'react';
import { ApiError } from '@/api/client';
import { useSignIn } from '@/api/session';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/input';
import { MfaPrompt, mfaChallengeOf } from './MfaPrompt';
import { SignInMethods } from './SignInMethods';

/** The sign-in page, shown whenever nobody is logged in. */
export function SignInPage() {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});
  const signIn = useSignIn(mode === 'register');
  const err = signIn.error instanceof ApiError ? signIn.error : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) problems.email = 'Enter an e-mail address';
    if (mode === 'register' && password.length < 8) problems.password = 'At least 8 characters';
    if (!password) problems.password = 'Enter your password';
    setLocal(problems);
    if (Object.keys(problems).length === 0) signIn.mutate({ email: email.trim(), password });
  };
  const general = err && err.fields.length === 0 ? err.message : signIn.error && !err ? String(signIn.error) : null;
  const mfa = mfaChallengeOf(signIn.data); // a second factor is asked for: the code prompt instead of the form
  if (mfa) return <MfaPrompt challenge={mfa} onCancel={() => signIn.reset()} />;

  return (
    <div className="flex min-h-full items-center justify-center p-4">
      <Card className="w-full max-w-sm p-5">
        <div className="mb-4 flex items-center gap-2">
          <img src="/icon.svg" alt="" className="h-7 w-7" />
          <div>
            <h1 className="text-lg font-semibold">Testudo</h1>
            <p className="text-xs text-muted">Size from the stop. Rules before every order. A journal in R.</p>
          </div>
        </div>
        <div
          role="tablist"
          aria-label="Sign in or register"
          className="mb-4 grid grid-cols-2 gap-1 rounded-md bg-panel-2 p-1"
        >
          {(['login', 'register'] as const).map((m) => (
            <button
              key={m}
              role="tab"
              type="button"
              aria-selected={mode === m}
              onClick={() => {
                setMode(m);
                signIn.reset();
              }}
              className={`rounded px-2 py-1 text-sm ${mode === m ? 'bg-panel text-fg shadow' : 'text-muted'}`}
            >
              {m === 'login' ? 'Sign in' : 'Register'}
            </button>
          ))}
        </div>
        <form onSubmit={submit} noValidate className="flex flex-col gap-3">
          <Field label="E-mail" error={local.email ?? err?.fieldError('email')}>
            {(ids) => (
              <Input
                {...ids}
                type="email"
                autoComplete="username"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Password"
            error={local.password ?? err?.fieldError('password')}
            hint={mode === 'register' ? 'At least 8 characters' : undefined}
          >
            {(ids) => (
              <Input
                {...ids}
                type="password"
                autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          {general ? (
            <p role="alert" className="text-sm text-loss">
              {general}
            </p>
          ) : null}
          <Button type="submit" disabled={signIn.isPending}>
            {mode === 'login' ? 'Sign in' : 'Create account'}
          </Button>
          <p className="text-xs text-muted">
            {mode === 'register'
              ? 'A new account is a paper account with 10,000 USDT of simulated money.'
              : 'The first start of the server printed the demo login.'}
          </p>
        </form>
        <SignInMethods />
      </Card>
    </div>
  );
}
