// Preload (`node -r test/support/tsRegister.cjs src/index.ts`) that runs the TypeScript sources in a
// child process without a build: each .ts file is transpiled as it loads (isolatedModules, so file by
// file is exact), with the project's module settings. Tests use it for programs that must be their own
// process, e.g. a bot that reads NODE_EXTRA_CA_CERTS at start.
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
  });
  module._compile(out.outputText, filename);
};
