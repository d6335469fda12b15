/**
 * The package version, as a constant so that the library loads in a browser or a bundle
 * (no package.json read at import). src/core/version.test.ts checks that it equals
 * package.json's version.
 */
export const VERSION = '0.2.0';
