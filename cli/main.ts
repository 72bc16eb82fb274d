#!/usr/bin/env node
// The `tollgate` command: one binary, one subcommand per process role or tool. Each
// subcommand lives in cli/commands/<name>.ts and exports `run(argv)`; this file only
// dispatches, so adding a command is an import and one line here.
import * as bootstrap from './commands/bootstrap';
import * as controller from './commands/controller';
import * as crds from './commands/crds';
import * as mockLlm from './commands/mock-llm';
import * as dataplane from './commands/dataplane';
import * as extproc from './commands/extproc';
import * as keys from './commands/keys';
import * as runCommand from './commands/run';
import * as translate from './commands/translate';
import * as usage from './commands/usage';

interface Command {
  summary: string;
  run: (argv: string[]) => Promise<number | void>;
}

const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'run Tollgate locally from a folder of manifests (-f DIR), with optional mock upstreams',
    run: runCommand.run,
  },
  controller: {
    summary: 'the Kubernetes controller: watch resources, serve xDS, write status',
    run: controller.run,
  },
  extproc: { summary: 'the ext_proc service Envoy calls (--config FILE | --xds ADDR)', run: extproc.run },
  bootstrap: {
    summary: 'print the Envoy bootstrap for a Gateway (--gateway ns/name --ads host:port)',
    run: bootstrap.run,
  },
  dataplane: { summary: 'the built-in Envoy subset for one Gateway (--ads, --gateway)', run: dataplane.run },
  translate: {
    summary: 'print the statuses, extproc config and xDS for a folder of manifests (-f DIR)',
    run: translate.run,
  },
  keys: { summary: 'create, list or revoke API keys (--dir DIR for local mode)', run: keys.run },
  usage: { summary: 'what a budget has used and left, per subject (--budget ns/name)', run: usage.run },
  crds: { summary: 'print (or --out DIR: write) the CRD YAML generated from the zod schemas', run: crds.run },
  'mock-llm': {
    summary: 'a fake OpenAI-compatible upstream driven by x-mock-* headers (--port, --name)',
    run: mockLlm.run,
  },
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
