'use strict';
/**
 * `npm run generate:task -- <name> [--job] [--no-wire]`: a new thread task in src/workloads/<name>/ —
 * worker, typed descriptor, service, module and a spec that runs it on a real thread (with
 * `--job`, also a job type: its handler, its spec, and `JobsModule.forFeature` in the module) — next
 * to the shipped workloads, and its module wired into the app (unless --no-wire): one export
 * line appended to src/workloads/index.ts, whose modules AppModule imports. Without that file,
 * the module is added to the `imports` of AppModule instead.
 *
 * Never overwrites: an existing folder, or a module name already in use, is refused before
 * anything is written.
 */
const {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const { join, relative } = require('node:path');
const { parseArgs } = require('node:util');
const {
  ROOT,
  GenerateError,
  appendToList,
  format,
  isFormatted,
  matchingBracket,
  runMain,
  writeNew,
} = require('./lib.cjs');
const { jobFiles, taskFiles } = require('./task-templates.cjs');

const USAGE = `Usage: npm run generate:task -- <name> [--job] [--no-wire]

  <name>     kebab-case: a lower-case letter, then lower-case letters, digits and single
             hyphens (e.g. "word-count"); the files go to src/workloads/<name>/
  --job      also make it a job type: POST /jobs/<name> (src/jobs, needs REDIS_URL to run)
  --no-wire  do not wire the module into the app; print the line to add instead`;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME = 40;
const APP_MODULE = join(ROOT, 'src', 'app.module.ts');
const WORKLOADS_INDEX = join(ROOT, 'src', 'workloads', 'index.ts');

/** Names of the project's own folders and modules; a task by that name would read as one of them. */
const RESERVED = new Set([
  'app',
  'common',
  'concurrency',
  'config',
  'child-process',
  'cluster',
  'health',
  'index',
  'jobs',
  'workloads',
  'logging',
  'main',
  'metrics',
  'spawn',
  'task',
  'tasks',
  'test',
  'worker',
  'worker-pool',
]);

/** Words a function cannot be named (strict mode), plus globals a declaration would shadow. */
const NOT_A_FUNCTION_NAME = new Set(
  (
    'arguments await break case catch class const continue debugger default delete do else ' +
    'enum eval export extends false finally for function if implements import in instanceof ' +
    'interface let new null package private protected public return static super switch this ' +
    'throw true try typeof undefined var void while with yield'
  ).split(' '),
);

/** What the templates import or rely on: a generated declaration must not shadow it. */
const TEMPLATE_IDENTIFIERS = new Set([
  'Test',
  'TestingModule',
  'WorkerPool',
  'WorkerPoolModule',
  'TaskAbortedError',
  'Injectable',
  'Module',
  'defineThreadTask',
  'BadRequestException',
  'JobsModule',
  'JobHandler',
  'JobContext',
  'defineJobType',
  'exports',
  'require',
  'module',
]);

function camelCase(name) {
  return name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** The identifiers of a task, or a GenerateError saying why the name cannot be one. */
function namesOf(name) {
  if (name === undefined) throw new GenerateError(`a task name is required\n\n${USAGE}`);
  if (!NAME.test(name) || name.length > MAX_NAME) {
    throw new GenerateError(
      `"${name}" is not a valid task name: use kebab-case, a lower-case letter then lower-case ` +
        `letters, digits and single hyphens, at most ${MAX_NAME} characters (e.g. "word-count")`,
    );
  }
  if (RESERVED.has(name)) {
    throw new GenerateError(`"${name}" is reserved: it names a part of this project`);
  }
  const fnName = camelCase(name);
  if (NOT_A_FUNCTION_NAME.has(fnName)) {
    throw new GenerateError(
      `"${name}" is a JavaScript reserved word and cannot name the task's function`,
    );
  }
  const Pascal = fnName[0].toUpperCase() + fnName.slice(1);
  const generated = [
    fnName,
    `${fnName}Task`,
    `${fnName}Job`,
    ...['Module', 'Service', 'Input', 'Output', 'Job', 'JobData'].map((r) => Pascal + r),
  ];
  const clash = generated.find((identifier) => TEMPLATE_IDENTIFIERS.has(identifier));
  if (clash !== undefined) {
    throw new GenerateError(
      `"${name}" would declare ${clash}, which the generated files already import or use`,
    );
  }
  return { name, fnName, Pascal };
}

/**
 * AppModule with `<Pascal>Module` imported and appended to its `imports` list, or undefined
 * when the file is not shaped as this edit expects (then the caller prints the lines).
 */
function wireIntoAppModule(source, moduleName, importPath) {
  const classAt = source.search(/^export class AppModule\b/m);
  const decoratorAt = source.lastIndexOf('@Module(', classAt);
  if (classAt < 0 || decoratorAt < 0) return undefined;
  const importsKey = /\bimports\s*:\s*\[/g;
  importsKey.lastIndex = decoratorAt;
  const key = importsKey.exec(source);
  if (!key || key.index > classAt) return undefined;
  const open = key.index + key[0].length - 1;
  const close = matchingBracket(source, open);
  if (close < 0 || close > classAt) return undefined;
  const keyLine = source.slice(source.lastIndexOf('\n', key.index) + 1, key.index);
  const indent = `${/^\s*/.exec(keyLine)[0]}  `;
  const withEntry = appendToList(source, open, close, `${moduleName},`, indent);

  // The new import goes after the last top-level import declaration.
  const imports = [...withEntry.matchAll(/^import\s[^;]*;[^\S\n]*$/gm)];
  const last = imports.at(-1);
  if (!last) return undefined;
  const at = last.index + last[0].length;
  const line = `import { ${moduleName} } from '${importPath}';`;
  return `${withEntry.slice(0, at)}\n${line}${withEntry.slice(at)}`;
}

/**
 * The edit that wires the module into the app: `{ file, text }`, or `{ file }` alone when
 * the file is not shaped as expected. Refuses a module name the file already uses.
 */
async function planWiring({ name, Pascal }) {
  const moduleName = `${Pascal}Module`;
  const useIndex = existsSync(WORKLOADS_INDEX);
  const file = useIndex ? WORKLOADS_INDEX : APP_MODULE;
  const source = readFileSync(file, 'utf8');
  if (new RegExp(`\\b${moduleName}\\b`).test(source)) {
    throw new GenerateError(
      `${relative(ROOT, file)} already uses the name ${moduleName}; pick another task name; ` +
        'nothing was written',
    );
  }
  const edited = useIndex
    ? `${source}${source.endsWith('\n') || source === '' ? '' : '\n'}${exportLine(name, Pascal)}\n`
    : wireIntoAppModule(source, moduleName, `./workloads/${name}/${name}.module`);
  if (edited === undefined) return { file };
  // Reformat only a file that was formatted, so that the edit is the whole diff.
  const text = (await isFormatted(file, source)) ? await format(file, edited) : edited;
  return { file, text };
}

function exportLine(name, Pascal) {
  return `export { ${Pascal}Module } from './${name}/${name}.module';`;
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: {
        job: { type: 'boolean' },
        'no-wire': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new GenerateError(`${error.message}\n\n${USAGE}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (parsed.positionals.length > 1) {
    throw new GenerateError(`one task name at a time\n\n${USAGE}`);
  }
  const names = namesOf(parsed.positionals[0]);
  const { name, Pascal } = names;
  const dir = join(ROOT, 'src', 'workloads', name);
  const shown = relative(ROOT, dir);
  if (existsSync(dir)) {
    throw new GenerateError(`${shown}/ already exists; nothing was written`);
  }

  const wiring = parsed.values['no-wire'] ? undefined : await planWiring(names);

  const files = parsed.values.job ? { ...taskFiles(names), ...jobFiles(names) } : taskFiles(names);
  const texts = {};
  for (const [file, text] of Object.entries(files)) {
    texts[file] = await format(join(dir, file), text);
  }
  // mkdir without `recursive` fails if the folder appeared meanwhile: still no overwrite.
  mkdirSync(dir);
  try {
    for (const [file, text] of Object.entries(texts)) writeNew(join(dir, file), text);
    if (wiring?.text !== undefined) {
      // Beside it, then rename: a failed write must not leave a truncated index or module.
      const temporary = `${wiring.file}.${process.pid}.tmp`;
      writeFileSync(temporary, wiring.text);
      renameSync(temporary, wiring.file);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true }); // all or nothing: a rerun must not be refused
    throw error;
  }

  const out = [`Created ${shown}/`, ...Object.keys(texts).map((file) => `  ${file}`), ''];
  const moduleName = `${Pascal}Module`;
  if (wiring?.text !== undefined) {
    out.push(`Wired ${moduleName} into the app: ${relative(ROOT, wiring.file)}.`);
  } else if (existsSync(WORKLOADS_INDEX)) {
    out.push(
      'To wire the module into the app, add this line to src/workloads/index.ts:',
      `  ${exportLine(name, Pascal)}`,
    );
  } else {
    out.push(
      'To wire the module into the app, add to src/app.module.ts:',
      `  import { ${moduleName} } from './workloads/${name}/${name}.module';`,
      `  and ${moduleName} to the imports of @Module({ imports: [...] })`,
    );
  }
  out.push(
    '',
    'Next:',
    `  replace the placeholder in ${shown}/${name}.worker.ts (and its spec's expectations)`,
    `  inject ${Pascal}Service where you need it, or add a controller to ${name}.module.ts`,
    ...(parsed.values.job
      ? [`  with REDIS_URL set: POST /jobs/${name} {"text":"…"} (its handler: ${name}.job.ts)`]
      : []),
    `  npx jest ${shown}   # runs the task on a real thread`,
    '',
  );
  process.stdout.write(out.join('\n'));
}

runMain(main);
