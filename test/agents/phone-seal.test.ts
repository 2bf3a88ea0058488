// #10.8 / #12: agents' numbers are sealed with the key the parsed config gives the process
// (no environment read, no fallback of the module's own); production refuses to start
// without PHONE_SEALING_KEY.
import { DEV_PHONE_SEALING_KEY, loadConfig } from '../../src/config';

type PhoneSeal = typeof import('../../src/agents/phone-seal');

/** A fresh copy of the module, with no key set (jest's setup file set one in the shared copy). */
function freshPhoneSeal(): PhoneSeal {
  let mod: PhoneSeal | undefined;
  jest.isolateModules(() => {
    mod = jest.requireActual<PhoneSeal>('../../src/agents/phone-seal');
  });
  return mod!;
}

test('a process whose composition root did not give the key cannot seal or open', () => {
  const seal = freshPhoneSeal();
  expect(() => seal.sealPhone('+33612345678')).toThrow(/phone sealing key not set/);
  expect(seal.sealPhone(null)).toBeNull();
  expect(seal.openPhone('+33612345678')).toBe('+33612345678'); // never sealed: as is
});

test('the key comes from the config: another key cannot open the sealed number', () => {
  const a = freshPhoneSeal();
  const b = freshPhoneSeal();
  a.setPhoneSealingKey('a'.repeat(32));
  b.setPhoneSealingKey('b'.repeat(32));
  const sealed = a.sealPhone('+33612345678');
  expect(sealed).toMatch(/^sealed:v1:/);
  expect(sealed).not.toContain('612345678');
  expect(a.sealPhone('+33612345678')).toBe(sealed); // deterministic: "same number?" works
  expect(a.openPhone(sealed)).toBe('+33612345678');
  expect(() => b.openPhone(sealed)).toThrow();
});

test('the config gives PHONE_SEALING_KEY, else the development key outside production', () => {
  expect(loadConfig({ PHONE_SEALING_KEY: 'k'.repeat(40) }).phoneSealingKey).toBe('k'.repeat(40));
  expect(loadConfig({}).phoneSealingKey).toBe(DEV_PHONE_SEALING_KEY);
});

test('numbers sealed before the key moved to the config still open (same development key)', () => {
  const seal = freshPhoneSeal();
  seal.setPhoneSealingKey(loadConfig({}).phoneSealingKey);
  // Sealed by the former module (PHONE_SEALING_KEY unset: its own fallback) at commit 3f55468.
  const before = 'sealed:v1:VtwVJhA47bJfw23W-ldUC58NIEQYnh2EcW5bKqxziV6j5TSfhLgn_w';
  expect(seal.openPhone(before)).toBe('+33698765445');
  expect(seal.sealPhone('+33698765445')).toBe(before);
});
