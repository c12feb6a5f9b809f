'use strict';
/**
 * Helpers shared by the generators: refusals with a clear message, never-overwrite writes,
 * Prettier formatting when it is installed, and a small scanner for minimal text edits.
 */
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');

/** A refusal the user can act on: printed without a stack, exit code 1. */
class GenerateError extends Error {
  name = 'GenerateError';
}

/** Runs an async main; a GenerateError prints its message, anything else its stack. */
function runMain(main) {
  main().catch((error) => {
    const refused = error instanceof GenerateError;
    process.stderr.write(`error: ${refused ? error.message : (error.stack ?? String(error))}\n`);
    process.exitCode = 1;
  });
}

/** Writes a new file; refuses (EEXIST) rather than overwrite one. */
function writeNew(path, text) {
  writeFileSync(path, text, { flag: 'wx' });
}

/** Prettier from the project's devDependencies, or undefined in a production install. */
function loadPrettier() {
  try {
    return require('prettier');
  } catch {
    return undefined;
  }
}

/** `text` formatted with the project's Prettier config, as the file `path` would be. */
async function format(path, text) {
  const prettier = loadPrettier();
  if (!prettier) return text;
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...config, filepath: path });
}

/** Whether `text` is already formatted, so that reformatting after an edit touches only the edit. */
async function isFormatted(path, text) {
  const prettier = loadPrettier();
  if (!prettier) return false;
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.check(text, { ...config, filepath: path });
}

/**
 * The index of the bracket that closes the one at `open` (`[`, `{` or `(`), skipping
 * strings and comments; -1 when the text is beyond this scanner (template interpolation).
 */
function matchingBracket(text, open) {
  const closers = { '[': ']', '{': '}', '(': ')' };
  const stack = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = skipString(text, i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) return -1;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) return -1;
      i++;
    } else if (c in closers) {
      stack.push(closers[c]);
    } else if (c === ']' || c === '}' || c === ')') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** The index of the quote that ends the string starting at `start`, or -1. */
function skipString(text, start) {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (quote === '`' && text[i] === '$' && text[i + 1] === '{') return -1;
    else if (text[i] === quote) return i;
    else if (text[i] === '\n' && quote !== '`') return -1;
  }
  return -1;
}

/**
 * Inserts `entry` as the last element of the list whose brackets are at `open` and `close`,
 * on its own line, adding the comma the previous element needs.
 */
function appendToList(text, open, close, entry, indent) {
  let end = close;
  while (end > open + 1 && /\s/.test(text[end - 1])) end--;
  const needsComma = end > open + 1 && text[end - 1] !== ',';
  return `${text.slice(0, end)}${needsComma ? ',' : ''}\n${indent}${entry}${text.slice(end)}`;
}

module.exports = {
  ROOT,
  GenerateError,
  runMain,
  writeNew,
  format,
  isFormatted,
  matchingBracket,
  appendToList,
};
