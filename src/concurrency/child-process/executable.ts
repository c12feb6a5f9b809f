import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, normalize } from 'node:path';
import { ExecutableNotAllowedError, ExecutableNotFoundError } from './child-process.errors';

/**
 * Turns the name of an executable into the absolute path that is spawned, once: the result
 * is cached, so a later change of PATH or of the file system does not change what a name
 * runs. Absolute paths are taken as given; bare names are searched on PATH. Relative paths
 * are refused: they would depend on the working directory of the moment.
 */
export class ExecutableResolver {
  private readonly cache = new Map<string, string>();
  private readonly allowedNames?: ReadonlySet<string>;

  constructor(private readonly allowlist?: readonly string[]) {
    if (allowlist) this.allowedNames = new Set(allowlist);
  }

  /** The absolute path `name` runs; throws ExecutableNotFoundError or ExecutableNotAllowedError. */
  resolve(name: string): string {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    const byName = this.allowedNames === undefined || this.allowedNames.has(name);
    let path: string;
    try {
      path = locate(name);
    } catch (error) {
      // Not allowed by name: say so rather than whether such a file exists.
      throw byName ? error : new ExecutableNotAllowedError(name);
    }
    if (!byName && !this.allowedByPath(path)) throw new ExecutableNotAllowedError(name);
    this.cache.set(name, path);
    return path;
  }

  /** Whether `path` is the file of an allowlisted absolute path or of an allowlisted name. */
  private allowedByPath(path: string): boolean {
    const target = realpath(path);
    return (this.allowlist ?? []).some((entry) => {
      try {
        return realpath(locate(entry)) === target;
      } catch {
        return false; // an allowlisted executable that is not installed matches nothing
      }
    });
  }
}

/** Finds `name` now, with the PATH of this moment. */
export function locate(name: string, searchPath = process.env.PATH ?? ''): string {
  if (name === '' || name.includes('\0')) {
    throw new ExecutableNotFoundError(JSON.stringify(name), 'is not a valid executable name');
  }
  if (isAbsolute(name)) {
    const path = normalize(name);
    if (!isExecutableFile(path))
      throw new ExecutableNotFoundError(name, 'is not an executable file');
    return path;
  }
  if (name.includes('/')) {
    throw new ExecutableNotFoundError(
      name,
      'is a relative path; use a bare name or an absolute path',
    );
  }
  for (const dir of searchPath.split(delimiter)) {
    // Empty and relative entries ("", ".") would search the working directory: skip them.
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new ExecutableNotFoundError(name);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
