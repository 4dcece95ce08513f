/**
 * Writes src/cve/schema/validators.generated.cjs: the default CVE record validators as Ajv
 * standalone code (see `src/cve/validate.ts`). Run after changing the bundled schema, the
 * validation keywords or Ajv: `npm run generate:validator`. A test fails while the
 * committed file is not what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { precompiledValidatorsSource } from '../src/cve/validate.ts';

const out = fileURLToPath(new URL('../src/cve/schema/validators.generated.cjs', import.meta.url));
const source = precompiledValidatorsSource();
writeFileSync(out, source);
console.log(`wrote ${out} (${source.length} bytes)`);
