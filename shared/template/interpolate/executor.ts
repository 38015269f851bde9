// Executes a parsed template against dot data, following Go's text/template evaluation rules
// (missingkey=default: a missing map key is "<no value>") and reporting errors as Go does:
// `template: root:1:2: executing "root" at <node>: message`.
import { errorMessage } from "../../error-message.js";
import type {
  ArgNode,
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  BodyNode,
  VariableNode,
} from "./ast.js";
import { nodeText } from "./ast.js";
import { InterpolationError } from "./errors.js";
import { formatValue } from "./go-fmt.js";
import { goTypeName, isGoMap, isGoSlice, isTrue, type GoValue } from "./go-values.js";
import type { ParsedTemplate } from "./parser.js";
import { goParamTypeName, type FunctionTable, type ParamType, type TemplateFunction } from "./template-function.js";

/** No value is piped into a command (Go's missingVal), as opposed to a piped missing value. */
const NOT_PIPED = Symbol("not piped");
type Piped = GoValue | typeof NOT_PIPED;

interface Variable {
  readonly name: string;
  value: GoValue;
}

class ExecState {
  private out = "";
  private node: Node | undefined;
  private readonly vars: Variable[];

  constructor(
    private readonly template: ParsedTemplate,
    private readonly funcs: FunctionTable,
    data: GoValue,
  ) {
    this.vars = [{ name: "$", value: data }];
  }

  run(dot: GoValue): string {
    this.walkList(dot, this.template.root);
    return this.out;
  }

  // Errors ---------------------------------------------------------------------------------

  private at(node: Node): void {
    this.node = node;
  }

  private errorf(message: string, cause?: unknown): never {
    const name = this.template.name;
    if (!this.node) throw new InterpolationError(`template: ${name}: ${message}`, "exec", { cause });
    const before = this.template.text.slice(0, this.node.pos);
    const lineStart = before.lastIndexOf("\n") + 1;
    const line = before.split("\n").length;
    // Go reports the 0-based byte offset within the line.
    const column = Buffer.byteLength(before.slice(lineStart), "utf8");
    throw new InterpolationError(
      `template: ${name}:${line}:${column}: executing ${JSON.stringify(name)} at <${nodeText(this.node)}>: ${message}`,
      "exec",
      { cause },
    );
  }

  // Walking the body ------------------------------------------------------------------------

  private walkList(dot: GoValue, list: ListNode): void {
    for (const node of list.nodes) this.walk(dot, node);
  }

  private walk(dot: GoValue, node: BodyNode): void {
    this.at(node);
    switch (node.kind) {
      case "text":
        this.out += node.text;
        return;
      case "action": {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) {
          this.at(node);
          this.out += value === undefined ? "<no value>" : formatValue(value, "v");
        }
        return;
      }
      case "if":
      case "with":
        this.walkIfOrWith(dot, node);
        return;
      case "range":
        this.walkRange(dot, node);
        return;
    }
  }

  private walkIfOrWith(dot: GoValue, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      if (isTrue(value)) this.walkList(node.kind === "with" ? value : dot, node.list);
      else if (node.elseList) this.walkList(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: GoValue, node: BranchNode): void {
    this.at(node);
    const outerMark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      const mark = this.vars.length;
      const iteration = (index: GoValue, element: GoValue): void => {
        // The last declared variable is the element, the one before it the index.
        if (node.pipe.decl.length > 0) this.vars[this.vars.length - 1].value = element;
        if (node.pipe.decl.length > 1) this.vars[this.vars.length - 2].value = index;
        this.walkList(element, node.list);
        this.vars.length = mark;
      };
      if (isGoSlice(value)) {
        if (value.length > 0) {
          value.forEach((element, i) => iteration(BigInt(i), element));
          return;
        }
      } else if (isGoMap(value)) {
        const keys = Object.keys(value).sort();
        if (keys.length > 0) {
          for (const key of keys) iteration(key, value[key]);
          return;
        }
      } else if (value !== undefined) {
        this.errorf(`range can't iterate over ${value === null ? "<nil>" : formatValue(value, "v")}`);
      }
      if (node.elseList) this.walkList(dot, node.elseList);
    } finally {
      this.vars.length = outerMark;
    }
  }

  // Pipelines and commands ----------------------------------------------------------------

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe);
    let value: Piped = NOT_PIPED;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    const result = value === NOT_PIPED ? undefined : value;
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0], result);
      else this.vars.push({ name: variable.ident[0], value: result });
    }
    return result;
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: Piped): GoValue {
    const first = cmd.args[0];
    switch (first.kind) {
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.errorf("nil is not a command");
      case "number":
        return this.idealConstant(first);
      case "string":
        return first.text;
    }
  }

  private notAFunction(args: readonly ArgNode[] | undefined, final: Piped): void {
    if ((args && args.length > 1) || final !== NOT_PIPED) {
      this.errorf(`can't give argument to non-function ${nodeText(args?.[0] ?? this.node ?? { kind: "nil", pos: 0 })}`);
    }
  }

  // A constant used where any type is welcome: floats stay floats, the rest is int.
  private idealConstant(node: NumberNode): GoValue {
    this.at(node);
    const looksFloat = /[.eEpP]/.test(node.text) && !/^[+-]?0[xX][0-9a-fA-F_]*$/.test(node.text);
    if (!node.isChar && node.float !== undefined && looksFloat) return node.float;
    if (node.int !== undefined) return node.int;
    return undefined;
  }

  // Functions -----------------------------------------------------------------------------

  private evalFunction(dot: GoValue, ident: IdentifierNode, node: Node, args: readonly ArgNode[], final: Piped): GoValue {
    this.at(ident);
    const fn = this.funcs.get(ident.ident);
    if (!fn) this.errorf(`${JSON.stringify(ident.ident)} is not a defined function`);
    return this.evalCall(dot, fn, node, ident.ident, args, final);
  }

  private evalCall(dot: GoValue, fn: TemplateFunction, node: Node, name: string, args: readonly ArgNode[], final: Piped): GoValue {
    const argNodes = args.slice(1);
    const numIn = argNodes.length + (final === NOT_PIPED ? 0 : 1);
    const numFixed = fn.params.length;
    if (fn.variadic) {
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${argNodes.length}`);
    } else if (numIn !== numFixed) {
      this.errorf(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    const argv: GoValue[] = [];
    let i = 0;
    for (; i < numFixed && i < argNodes.length; i++) argv.push(this.evalArg(dot, fn.params[i], argNodes[i]));
    if (fn.variadic) for (; i < argNodes.length; i++) argv.push(this.evalArg(dot, fn.variadic, argNodes[i]));
    if (final !== NOT_PIPED) {
      let type: ParamType = fn.params[numFixed - 1];
      if (fn.variadic) type = numIn - 1 < numFixed ? fn.params[numIn - 1] : fn.variadic;
      argv.push(this.validateType(final, type));
    }
    try {
      return fn.call(argv);
    } catch (e) {
      this.at(node);
      this.errorf(`error calling ${name}: ${errorMessage(e)}`, e);
    }
  }

  private evalArg(dot: GoValue, type: ParamType, node: ArgNode): GoValue {
    this.at(node);
    switch (node.kind) {
      case "dot":
        return this.validateType(dot, type);
      case "nil":
        if (type === "any") return null;
        if (type === "value") return undefined;
        this.errorf(`cannot assign nil to ${goParamTypeName(type)}`);
      case "field":
        return this.validateType(this.evalFieldNode(dot, node, [node], NOT_PIPED), type);
      case "variable":
        return this.validateType(this.evalVariableNode(dot, node, undefined, NOT_PIPED), type);
      case "pipe":
        return this.validateType(this.evalPipeline(dot, node), type);
      case "identifier":
        return this.validateType(this.evalFunction(dot, node, node, [node], NOT_PIPED), type);
      case "chain":
        return this.validateType(this.evalChainNode(dot, node, undefined, NOT_PIPED), type);
    }
    switch (type) {
      case "string":
        if (node.kind === "string") return node.text;
        this.errorf(`expected string; found ${nodeText(node)}`);
      case "int":
        if (node.kind === "number" && node.int !== undefined) return node.int;
        this.errorf(`expected integer; found ${nodeText(node)}`);
      case "any":
      case "value":
        if (node.kind === "bool") return node.value;
        if (node.kind === "number") return this.idealConstant(node);
        return node.text;
    }
  }

  private validateType(value: GoValue, type: ParamType): GoValue {
    if (value === undefined) {
      if (type === "any") return null;
      if (type === "value") return undefined;
      this.errorf(`invalid value; expected ${goParamTypeName(type)}`);
    }
    const got = value === null ? "interface {}" : goTypeName(value);
    switch (type) {
      case "any":
      case "value":
        return value;
      case "string":
        if (typeof value === "string") return value;
        this.errorf(`wrong type for value; expected string; got ${got}`);
      case "int":
        if (typeof value === "bigint") return value;
        this.errorf(`wrong type for value; expected int; got ${got}`);
    }
  }

  // Fields and variables ------------------------------------------------------------------

  private evalFieldNode(dot: GoValue, field: FieldNode, args: readonly ArgNode[], final: Piped): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, field.ident, args, final);
  }

  private evalChainNode(dot: GoValue, chain: ChainNode, args: readonly ArgNode[] | undefined, final: Piped): GoValue {
    this.at(chain);
    if (chain.node.kind === "nil") this.errorf(`indirection through explicit nil in ${nodeText(chain)}`);
    const receiver = this.evalOperand(dot, chain.node);
    return this.evalFieldChain(receiver, chain.field, args, final);
  }

  // The value of a chain's base, without type conversion.
  private evalOperand(dot: GoValue, node: ArgNode): GoValue {
    this.at(node);
    switch (node.kind) {
      case "pipe":
        return this.evalPipeline(dot, node);
      case "identifier":
        return this.evalFunction(dot, node, node, [node], NOT_PIPED);
      case "field":
        return this.evalFieldNode(dot, node, [node], NOT_PIPED);
      case "variable":
        return this.evalVariableNode(dot, node, undefined, NOT_PIPED);
      case "chain":
        return this.evalChainNode(dot, node, undefined, NOT_PIPED);
      default:
        return this.evalArg(dot, "any", node);
    }
  }

  private evalVariableNode(dot: GoValue, variable: VariableNode, args: readonly ArgNode[] | undefined, final: Piped): GoValue {
    this.at(variable);
    const value = this.varValue(variable.ident[0]);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(value, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(receiver: GoValue, idents: readonly string[], args: readonly ArgNode[] | undefined, final: Piped): GoValue {
    let value = receiver;
    idents.forEach((name, i) => {
      const last = i === idents.length - 1;
      value = this.evalField(name, last ? args : undefined, last ? final : NOT_PIPED, value);
    });
    return value;
  }

  private evalField(name: string, args: readonly ArgNode[] | undefined, final: Piped, receiver: GoValue): GoValue {
    if (receiver === undefined) return undefined; // nil data or a missing key: "<no value>"
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    const hasArgs = (args !== undefined && args.length > 1) || final !== NOT_PIPED;
    if (isGoMap(receiver)) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return Object.hasOwn(receiver, name) ? receiver[name] : undefined;
    }
    this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
}

/** Runs `template` with dot data `data`; throws an exec-phase InterpolationError. */
export function executeTemplate(template: ParsedTemplate, funcs: FunctionTable, data: GoValue): string {
  return new ExecState(template, funcs, data).run(data);
}
