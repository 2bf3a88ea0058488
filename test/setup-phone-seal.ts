// Jest's composition root for #10.8's phone sealing (setupFiles, every test file): the key
// the parsed config gives this environment (PHONE_SEALING_KEY, else the development key),
// as api/main.ts and workers/main.ts do for their processes.
import { setPhoneSealingKey } from '../src/agents/phone-seal';
import { loadConfig } from '../src/config';

const secret = process.env['PHONE_SEALING_KEY'];
setPhoneSealingKey(loadConfig({ NODE_ENV: 'test', ...(secret ? { PHONE_SEALING_KEY: secret } : {}) }).phoneSealingKey);
