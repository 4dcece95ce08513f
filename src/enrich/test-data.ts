/**
 * @module Where the shared real samples are, for the tests of this module.
 * @internal
 */
import { fileURLToPath } from 'node:url';
import { sharedData } from '../../test/support/paths.ts';

export const NVD_DIR = sharedData('nvd');
export const MITRE_XML_DIR = sharedData('mitre-xml');
export const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
