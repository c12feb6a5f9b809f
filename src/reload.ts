import { PidFileError, readPrimaryPid } from './concurrency/cluster/pid-file';
import { readPidFile } from './config/cluster.config';
import { envBool } from './config/env';
import { loadEnvFile } from './config/env-file';

/*
 * `npm run reload`: a rolling restart of this service, the same under `npm start` and
 * `npm run start:dev`: SIGHUP to the primary whose pid file CLUSTER_PID_FILE names, read
 * from the environment and `.env` as the service reads them. The primary replaces its app
 * workers one at a time, each new one ready before the old one drains.
 */
function reload(): number {
  loadEnvFile('.env');
  if (!envBool(process.env, 'CLUSTER_ENABLED', true)) {
    return refuse(
      'CLUSTER_ENABLED=false: one process and no primary, nothing to reload; restart it',
    );
  }
  const path = readPidFile();
  if (path === undefined) {
    return refuse('CLUSTER_PID_FILE=off: no pid file to find the primary by; send it SIGHUP');
  }
  let pid: number;
  try {
    pid = readPrimaryPid(path);
  } catch (error) {
    if (error instanceof PidFileError) return refuse(error.message);
    throw error;
  }
  process.kill(pid, 'SIGHUP');
  process.stdout.write(
    `Rolling restart: SIGHUP sent to the primary, pid ${pid} (${path}); ` +
      'its log says "rolling restart done" when every worker is new.\n',
  );
  return 0;
}

function refuse(message: string): number {
  process.stderr.write(`npm run reload: ${message}\n`);
  return 1;
}

process.exitCode = reload();
