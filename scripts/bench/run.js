// Entry point of `npm run bench`. The benchmark is plain CommonJS in the .cjs files beside
// this one, which the repo's ESLint setup leaves alone (as it does src/**/*.cjs); this file
// only has to pass the type-aware lint, hence the tsconfig.json in this folder.
require('./main.cjs');
