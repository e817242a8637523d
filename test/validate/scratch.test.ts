import { it } from 'vitest';
import { loadEnvoyConfig } from 'xdskit';
import { validateSnapshot } from 'xdskit/validate';
it('x', () => { const l = loadEnvoyConfig('test/validate/fixtures/snapshot.yaml'); console.log(JSON.stringify(validateSnapshot(l.resources), null, 1)); });
