// Which functions a template text calls (Packer's interpolate.FunctionsCalled), e.g. to find
// out whether a value refers to user variables before deciding when to render it.
import type { ArgNode, BodyNode, ListNode, PipeNode } from "./ast.js";

function fromPipe(pipe: PipeNode, found: Set<string>): void {
  for (const cmd of pipe.cmds) for (const arg of cmd.args) fromArg(arg, found);
}

function fromArg(arg: ArgNode, found: Set<string>): void {
  if (arg.kind === "identifier") found.add(arg.ident);
  else if (arg.kind === "pipe") fromPipe(arg, found);
  else if (arg.kind === "chain") fromArg(arg.node, found);
}

function fromBody(node: BodyNode, found: Set<string>): void {
  switch (node.kind) {
    case "text":
      return;
    case "action":
      fromPipe(node.pipe, found);
      return;
    default:
      fromPipe(node.pipe, found);
      functionsCalledIn(node.list, found);
      if (node.elseList) functionsCalledIn(node.elseList, found);
  }
}

export function functionsCalledIn(list: ListNode, found: Set<string> = new Set()): Set<string> {
  for (const node of list.nodes) fromBody(node, found);
  return found;
}

/**
 * The environment variable names `{{env "NAME"}}` calls in a parsed text read, when written as
 * string literals (a computed name cannot be known before rendering).
 */
export function envNamesReadIn(list: ListNode, found: Set<string> = new Set()): Set<string> {
  const fromCommandArgs = (pipe: PipeNode): void => {
    for (const cmd of pipe.cmds) {
      const [fn, name] = cmd.args;
      if (fn?.kind === "identifier" && fn.ident === "env" && name?.kind === "string") found.add(name.text);
      for (const arg of cmd.args) if (arg.kind === "pipe") fromCommandArgs(arg);
    }
  };
  for (const node of list.nodes) {
    if (node.kind === "text") continue;
    fromCommandArgs(node.pipe);
    if (node.kind !== "action") {
      envNamesReadIn(node.list, found);
      if (node.elseList) envNamesReadIn(node.elseList, found);
    }
  }
  return found;
}
