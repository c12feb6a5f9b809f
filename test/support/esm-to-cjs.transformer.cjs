'use strict';
/**
 * Jest transformer for the ES-module builds of @nestjs/* (NestJS 12 is "type": "module").
 * jest's CommonJS runtime cannot require() ESM on Node 20, so each file is transpiled to
 * CommonJS with the project's own TypeScript, and the `import.meta` fields Nest uses are
 * mapped to their CommonJS equivalents.
 */
const { createHash } = require('node:crypto');
const ts = require('typescript');

const IMPORT_META_URL = /\bimport\.meta\.url\b/g;
const IMPORT_META_DIRNAME = /\bimport\.meta\.dirname\b/g;
const IMPORT_META_FILENAME = /\bimport\.meta\.filename\b/g;
const IMPORT_META_RESOLVE = /\bimport\.meta\.resolve\(/g;
// `const require = createRequire(import.meta.url)` would redeclare CommonJS's own `require`.
const REQUIRE_DECLARATION = /^(\s*)const require = /gm;

module.exports = {
  getCacheKey(source, filename) {
    return createHash('sha256')
      .update(ts.version)
      .update('\0esm-to-cjs-v3\0')
      .update(filename)
      .update(source)
      .digest('hex');
  },
  process(source, filename) {
    const patched = source
      .replace(REQUIRE_DECLARATION, '$1var require = ')
      .replace(IMPORT_META_DIRNAME, '__dirname')
      .replace(IMPORT_META_FILENAME, '__filename')
      .replace(IMPORT_META_URL, "require('node:url').pathToFileURL(__filename).href")
      .replace(
        IMPORT_META_RESOLVE,
        "((s) => require('node:url').pathToFileURL(require.resolve(s)).href)(",
      );
    const { outputText } = ts.transpileModule(patched, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        allowJs: true,
        sourceMap: false,
      },
    });
    return { code: outputText };
  },
};
