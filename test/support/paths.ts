/**
 * @module Where tests find the repository and the shared real data (../shared/data beside the clone).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const SHARED_DATA = process.env.CVEKIT_SHARED_DATA ?? join(REPO_ROOT, '..', 'shared', 'data');

if (!existsSync(SHARED_DATA)) {
  throw new Error(`shared test data not found at ${SHARED_DATA} (set CVEKIT_SHARED_DATA)`);
}

export const sharedData = (...parts: string[]): string => join(SHARED_DATA, ...parts);
