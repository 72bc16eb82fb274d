// A supervised child process for `tollgate run`: started with the same node and CLI, restarted
// with capped backoff if it dies unexpectedly, stopped with SIGTERM (then SIGKILL after a
// grace period) so in-flight requests can finish.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../lib/log';

export const CLI_PATH = path.join(__dirname, 'main.js');

export interface ChildOptions {
  name: string;
  command?: string;
  args: string[];
  logger: Logger;
  restart?: boolean;
  env?: NodeJS.ProcessEnv;
}

export class SupervisedChild {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ChildOptions) {
    this.start();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): void {
    const { command = process.execPath, args, name, logger } = this.options;
    const argv = command === process.execPath ? [CLI_PATH, ...args] : args;
    const child = spawn(command, argv, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: this.options.env ?? process.env,
    });
    this.child = child;
    child.on('error', (err) => logger.error({ err, child: name }, 'could not start child process'));
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      logger.error({ child: name, code, signal }, 'child process exited unexpectedly');
      if (this.options.restart === false) return;
      const delay = Math.min(5000, 250 * 2 ** this.restarts++);
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
