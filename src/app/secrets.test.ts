import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError, keyIdOf, openSecretBox, parseKey } from './secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'testudo-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);

describe('SecretBox', () => {
  it('seals and opens a secret; each ciphertext differs (fresh IV) and names its key id', () => {
    const box = new SecretBox(K1);
    const a = box.seal('NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP');
    const b = box.seal('NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).toBe(keyIdOf(K1));
    expect(a).not.toContain('NhqPtmd');
    expect(box.open(a)).toBe('NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP');
  });

  it('shows no key material when inspected (console.log, error causes) or serialized', () => {
    const box = new SecretBox(Buffer.alloc(32, 0xab), [Buffer.alloc(32, 0xcd)]);
    for (const text of [inspect(box, { depth: 5 }), JSON.stringify(box), String(box)]) {
      expect(text).not.toMatch(/ab ab|abab|cd cd|cdcd|q6ur|zc3N/i);
      expect(text).not.toContain('Buffer');
    }
    expect(inspect(box)).toContain(box.keyId);
  });

  it('opens ciphertexts of an old key after rotation and seals under the new one', () => {
    const sealedOld = new SecretBox(K1).seal('s1');
    const rotated = new SecretBox(K2, [K1]);
    expect(rotated.open(sealedOld)).toBe('s1');
    expect(rotated.seal('s2').split('.')[1]).toBe(keyIdOf(K2));
  });

  it('refuses an unknown key, a tampered or malformed ciphertext with typed codes', () => {
    const sealed = new SecretBox(K1).seal('secret');
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof SecretBoxError ? e.code : 'other';
      }
      return undefined;
    };
    expect(code(() => new SecretBox(K2).open(sealed))).toBe('unknown-key');
    const p = sealed.split('.');
    const body = Buffer.from(p[4]!, 'base64url');
    body[0] = body[0]! ^ 1;
    p[4] = body.toString('base64url');
    expect(code(() => new SecretBox(K1).open(p.join('.')))).toBe('tampered');
    expect(code(() => new SecretBox(K1).open('v2.x.y'))).toBe('malformed-ciphertext');
  });

  it('parses keys in hex and base64 and rejects other lengths', () => {
    expect(parseKey(K1.toString('hex'))).toEqual(K1);
    expect(parseKey(K2.toString('base64'))).toEqual(K2);
    expect(parseKey(K2.toString('base64url'))).toEqual(K2);
    expect(() => parseKey('abc')).toThrow(SecretBoxError);
    expect(() => parseKey(Buffer.alloc(16).toString('hex'))).toThrow(SecretBoxError);
  });

  it('never shows key material in JSON', () => {
    expect(JSON.stringify(new SecretBox(K1))).toBe(JSON.stringify({ keyId: keyIdOf(K1) }));
  });
});

describe('openSecretBox', () => {
  it('takes the key from TESTUDO_SECRET_KEY', () => {
    const box = openSecretBox({ TESTUDO_SECRET_KEY: K1.toString('hex') });
    expect(box.keyId).toBe(keyIdOf(K1));
  });

  it('without a key in the environment, generates one key file (mode 0600) once and reuses it', () => {
    const env = { TESTUDO_DATA_DIR: join(dir, 'data') };
    const a = openSecretBox(env);
    const file = `${join(dir, 'data')}.secret-key`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = openSecretBox(env);
    expect(b.keyId).toBe(a.keyId);
    expect(b.open(a.seal('x'))).toBe('x');
    expect(keyIdOf(parseKey(readFileSync(file, 'utf8')))).toBe(a.keyId);
  });

  it('honours TESTUDO_SECRET_KEY_FILE and old keys for rotation', () => {
    const file = join(dir, 'nested', 'k');
    const first = openSecretBox({ TESTUDO_SECRET_KEY_FILE: file });
    const sealed = first.seal('kept');
    const rotated = openSecretBox({
      TESTUDO_SECRET_KEY: K2.toString('hex'),
      TESTUDO_SECRET_KEYS_OLD: readFileSync(file, 'utf8').trim(),
    });
    expect(rotated.open(sealed)).toBe('kept');
  });
});
