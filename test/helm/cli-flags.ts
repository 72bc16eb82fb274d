// Checks that the `tollgate` processes the chart starts get only flags the CLI parses. The args
// of every container running the tollgate image (the controller's image) go through the CLI's
// own parser with that command's own flag table, so an unknown flag, a misspelt one, or a
// value-taking flag left without a value fails here exactly as it would at pod start — and a
// flag removed from the CLI fails the chart test instead of a rollout.
import { parseFlags, type FlagSpec, type Flags } from '../../cli/args';
import { FLAGS as CONTROLLER_FLAGS } from '../../cli/commands/controller';
import { EXTPROC_FLAGS } from '../../cli/commands/extproc';

type Obj = Record<string, unknown>;
type Container = { name?: string; image?: string; command?: string[]; args?: string[] };

export const COMMAND_FLAGS: Record<string, FlagSpec> = {
  controller: CONTROLLER_FLAGS,
  extproc: EXTPROC_FLAGS,
};

export interface Invocation {
  /** "Deployment/name container" */
  where: string;
  command: string;
  args: string[];
}

function containersOf(doc: Obj): Container[] {
  const pod = ((doc.spec as Obj | undefined)?.template as Obj | undefined)?.spec as Obj | undefined;
  return [...((pod?.initContainers ?? []) as Container[]), ...((pod?.containers ?? []) as Container[])];
}

/** Every container that runs the tollgate image, with its subcommand and flags. */
export function tollgateInvocations(docs: Obj[]): Invocation[] {
  const all = docs.flatMap((doc) =>
    containersOf(doc).map((c) => ({
      doc,
      c,
      where: `${String(doc.kind)}/${String((doc.metadata as Obj).name)} ${String(c.name)}`,
    })),
  );
  const image = all.find((x) => x.c.name === 'controller')?.c.image;
  return all
    .filter((x) => image !== undefined && x.c.image === image)
    .map(({ c, where }) => ({ where, command: c.args?.[0] ?? '', args: (c.args ?? []).slice(1) }));
}

/** The flags of one invocation as the CLI parses them; throws what the CLI would. */
export function parseInvocation(invocation: Invocation): Flags {
  const table = COMMAND_FLAGS[invocation.command];
  if (!table) throw new Error(`unknown tollgate command ${JSON.stringify(invocation.command)}`);
  return parseFlags(invocation.args, table);
}

/** Problems with the tollgate invocations of a rendered chart; empty means every one parses. */
export function flagProblems(docs: Obj[]): string[] {
  return tollgateInvocations(docs).flatMap((invocation) => {
    try {
      parseInvocation(invocation);
      return [];
    } catch (err) {
      return [`${invocation.where}: ${err instanceof Error ? err.message : String(err)}`];
    }
  });
}
