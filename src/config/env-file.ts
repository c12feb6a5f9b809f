/**
 * Loads a dotenv file into `process.env`; variables already set win. A missing file is no
 * error: `.env` is optional.
 */
export function loadEnvFile(path: string): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
