#!/usr/bin/env node
// The `tollgate` command: one binary, one subcommand per process role or tool. Each
// subcommand lives in cli/commands/<name>.ts and exports `run(argv)`; this file only
// dispatches, so adding a command is an import and one line here.
import * as crds from './commands/crds';

interface Command {
  summary: string;
  run: (argv: string[]) => Promise<number | void>;
}

const COMMANDS: Record<string, Command> = {
  crds: { summary: 'print (or --out DIR: write) the CRD YAML generated from the zod schemas', run: crds.run },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
    const lines = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
    process.stderr.write(`usage: tollgate <command> [options]\n\ncommands:\n${lines.join('\n')}\n`);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  return (await command.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tollgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
