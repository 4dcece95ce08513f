/**
 * Writes src/cve/schema/validators*.generated.cjs: the CVE record validators as Ajv
 * standalone code, one file per variant (formats on or off, first error or all errors; see
 * `src/cve/validate.ts`). Run after changing the bundled schema, the validation keywords or
 * Ajv: `npm run generate:validator`. A test fails while a committed file is not what this
 * writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { precompiledValidatorsSource, VARIANTS, variantFile } from '../src/cve/validate.ts';

for (const variant of VARIANTS) {
  const out = fileURLToPath(new URL(`../src/cve/schema/${variantFile(variant)}`, import.meta.url));
  const source = precompiledValidatorsSource(variant);
  writeFileSync(out, source);
  console.log(`wrote ${out} (${source.length} bytes)`);
}
