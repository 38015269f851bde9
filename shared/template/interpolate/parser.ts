// Parser for Go text/template (Go 1.15 grammar, as in Packer 1.6.6). Like Go, it checks at
// parse time that every function name is defined, and reports the first error as
// "template: <name>:<line>: <message>".
import type {
  ActionNode,
  ArgNode,
  BodyNode,
  BranchNode,
  ChainNode,
  CommandNode,
  ListNode,
  NumberNode,
  PipeNode,
  StringNode,
  VariableNode,
} from "./ast.js";
import { nodeText } from "./ast.js";
import { InterpolationError } from "./errors.js";
import { LiteralSyntaxError, parseGoFloat, parseGoInt, unquoteChar, unquoteString } from "./go-literals.js";
import { lex, type Item } from "./lexer.js";

export interface ParsedTemplate {
  readonly name: string;
  readonly text: string;
  readonly root: ListNode;
}

/** Markers returned by textOrAction for {{end}} and {{else}}; never part of a tree. */
interface EndMarker {
  readonly kind: "end";
  readonly pos: number;
}
interface ElseMarker {
  readonly kind: "else";
  readonly pos: number;
}
type ListItem = BodyNode | EndMarker | ElseMarker;

/** Go's item.String(), used in "unexpected …" messages. */
function itemText(item: Item): string {
  if (item.type === "eof") return "EOF";
  if (item.type === "error") return item.val;
  if (item.type === "keyword" || item.type === "dot" || item.type === "nil") return `<${item.val}>`;
  if (item.val.length > 10) return `${JSON.stringify(item.val.slice(0, 10))}...`;
  return JSON.stringify(item.val);
}

class Parser {
  private readonly items: Item[];
  private index = 0;
  /** Highest item index read so far: Go reports the line of the last item it lexed. */
  private furthest = 0;
  private vars: string[] = ["$"];

  constructor(
    private readonly name: string,
    text: string,
    private readonly isFunction: (name: string) => boolean,
  ) {
    this.items = lex(text);
  }

  parse(): ListNode {
    const root: ListNode = { kind: "list", pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== "eof") {
      if (this.peek().type === "leftDelim") {
        const mark = this.index;
        this.next();
        const keyword = this.nextNonSpace();
        if (keyword.type === "keyword" && keyword.val === "define") {
          this.errorf("{{define}} is not supported by Kiln's interpolation");
        }
        this.backupTo(mark);
      }
      const node = this.textOrAction();
      if (node.kind === "end" || node.kind === "else") this.errorf(`unexpected {{${node.kind}}}`);
      root.nodes.push(node);
    }
    return root;
  }

  // Token stream --------------------------------------------------------------------------

  private next(): Item {
    const item = this.items[Math.min(this.index, this.items.length - 1)];
    if (this.index < this.items.length) this.index++;
    this.furthest = Math.max(this.furthest, this.index - 1);
    return item;
  }

  private peek(): Item {
    const i = Math.min(this.index, this.items.length - 1);
    this.furthest = Math.max(this.furthest, i);
    return this.items[i];
  }

  private backup(): void {
    this.index--;
  }

  private backupTo(index: number): void {
    this.index = index;
  }

  private nextNonSpace(): Item {
    for (;;) {
      const item = this.next();
      if (item.type !== "space") return item;
    }
  }

  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }

  private errorf(message: string): never {
    const line = this.items[this.furthest]?.line ?? 1;
    throw new InterpolationError(`template: ${this.name}:${line}: ${message}`, "parse");
  }

  private unexpected(item: Item, context: string): never {
    this.errorf(`unexpected ${itemText(item)} in ${context}`);
  }

  private expect(type: Item["type"], context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }

  // Grammar -------------------------------------------------------------------------------

  private textOrAction(): ListItem {
    const item = this.nextNonSpace();
    if (item.type === "text") return { kind: "text", pos: item.pos, text: item.val };
    if (item.type === "leftDelim") return this.action();
    this.unexpected(item, "input");
  }

  private action(): ListItem {
    const item = this.nextNonSpace();
    if (item.type === "keyword") {
      switch (item.val) {
        case "else":
          return this.elseControl();
        case "end":
          return this.endControl();
        case "if":
        case "range":
        case "with":
          return this.branchControl(item.val);
        case "template":
        case "block":
          this.errorf(`{{${item.val}}} is not supported by Kiln's interpolation`);
      }
    }
    this.backup();
    const start = this.peek();
    const action: ActionNode = { kind: "action", pos: start.pos, line: start.line, pipe: this.pipeline("command") };
    return action;
  }

  private endControl(): EndMarker {
    return { kind: "end", pos: this.expect("rightDelim", "end").pos };
  }

  private elseControl(): ElseMarker {
    const peeked = this.peekNonSpace();
    // "{{else if …}}" is read as "{{else}}{{if …}}…{{end}}" sharing the outer {{end}}.
    if (peeked.type === "keyword" && peeked.val === "if") return { kind: "else", pos: peeked.pos };
    return { kind: "else", pos: this.expect("rightDelim", "else").pos };
  }

  private branchControl(kind: "if" | "range" | "with"): BranchNode {
    const varsBefore = this.vars.length;
    try {
      const pipe = this.pipeline(kind);
      const [list, next] = this.itemList();
      let elseList: ListNode | undefined;
      if (next.kind === "else") {
        const peeked = this.peek();
        if (kind === "if" && peeked.type === "keyword" && peeked.val === "if") {
          this.next();
          elseList = { kind: "list", pos: next.pos, nodes: [this.branchControl("if")] };
        } else {
          const [otherList, end] = this.itemList();
          if (end.kind !== "end") this.errorf(`expected end; found {{${end.kind}}}`);
          elseList = otherList;
        }
      }
      return { kind, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = varsBefore;
    }
  }

  private itemList(): [ListNode, EndMarker | ElseMarker] {
    const list: ListNode = { kind: "list", pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== "eof") {
      const node = this.textOrAction();
      if (node.kind === "end" || node.kind === "else") return [list, node];
      list.nodes.push(node);
    }
    this.errorf("unexpected EOF");
  }

  private pipeline(context: string): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { kind: "pipe", pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const item = this.nextNonSpace();
      switch (item.type) {
        case "rightDelim":
        case "rightParen":
          this.checkPipeline(pipe, context);
          if (item.type === "rightParen") this.backup();
          return pipe;
        case "bool":
        case "charConstant":
        case "dot":
        case "field":
        case "identifier":
        case "number":
        case "nil":
        case "rawString":
        case "string":
        case "variable":
        case "leftParen":
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(item, context);
      }
    }
  }

  // "$x :=", "$x =" and, in range, "$i, $e :=".
  private declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== "variable") return;
      const variableIndex = this.index;
      this.next();
      const following = this.peekNonSpace();
      if (following.type === "assign" || following.type === "declare") {
        pipe.isAssign = following.type === "assign";
        this.nextNonSpace();
        pipe.decl.push({ kind: "variable", pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        return;
      }
      if (following.type === "char" && following.val === ",") {
        this.nextNonSpace();
        pipe.decl.push({ kind: "variable", pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const second = this.peekNonSpace().type;
          if (second === "variable" || second === "rightDelim" || second === "rightParen") continue;
          this.errorf("range can only initialize variables");
        }
        this.errorf(`too many declarations in ${context}`);
      }
      // Not a declaration: the variable is the first operand.
      this.backupTo(variableIndex);
      return;
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const kind = cmd.args[0].kind;
      if (kind === "bool" || kind === "dot" || kind === "nil" || kind === "number" || kind === "string") {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const item = this.next();
      if (item.type === "space") continue;
      if (item.type === "error") this.errorf(item.val);
      if (item.type === "rightDelim" || item.type === "rightParen") this.backup();
      else if (item.type !== "pipe") this.errorf(`unexpected ${itemText(item)} in operand`);
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node || this.peek().type !== "field") return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === "field") fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case "field":
        return { kind: "field", pos: chainPos, ident: [...node.ident, ...fields] };
      case "variable":
        return { kind: "variable", pos: chainPos, ident: [...node.ident, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.errorf(`unexpected . after term ${JSON.stringify(nodeText(node))}`);
    }
    const chain: ChainNode = { kind: "chain", pos: chainPos, node, field: fields };
    return chain;
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace();
    switch (item.type) {
      case "error":
        this.errorf(item.val);
      case "identifier":
        if (!this.isFunction(item.val)) this.errorf(`function ${JSON.stringify(item.val)} not defined`);
        return { kind: "identifier", pos: item.pos, ident: item.val };
      case "dot":
        return { kind: "dot", pos: item.pos };
      case "nil":
        return { kind: "nil", pos: item.pos };
      case "variable":
        return this.useVar(item);
      case "field":
        return { kind: "field", pos: item.pos, ident: [item.val.slice(1)] };
      case "bool":
        return { kind: "bool", pos: item.pos, value: item.val === "true" };
      case "charConstant":
      case "number":
        return this.number(item);
      case "leftParen": {
        const pipe = this.pipeline("parenthesized pipeline");
        const close = this.next();
        if (close.type !== "rightParen") this.errorf(`unclosed right paren: unexpected ${itemText(close)}`);
        return pipe;
      }
      case "string":
      case "rawString":
        return this.string(item);
    }
    this.backup();
    return undefined;
  }

  private useVar(item: Item): VariableNode {
    if (!this.vars.includes(item.val)) this.errorf(`undefined variable ${JSON.stringify(item.val)}`);
    return { kind: "variable", pos: item.pos, ident: [item.val] };
  }

  private string(item: Item): StringNode {
    try {
      return { kind: "string", pos: item.pos, quoted: item.val, text: unquoteString(item.val) };
    } catch (e) {
      if (e instanceof LiteralSyntaxError) this.errorf(e.message);
      throw e;
    }
  }

  private number(item: Item): NumberNode {
    const text = item.val;
    try {
      if (item.type === "charConstant") {
        const code = unquoteChar(text);
        return { kind: "number", pos: item.pos, text, int: BigInt(code), float: code, isChar: true };
      }
    } catch (e) {
      if (e instanceof LiteralSyntaxError) this.errorf(e.message);
      throw e;
    }
    if (text.endsWith("i")) this.errorf(`complex number ${text} is not supported`);
    const int = parseGoInt(text);
    if (int !== undefined) return { kind: "number", pos: item.pos, text, int, float: Number(int), isChar: false };
    const float = parseGoFloat(text);
    if (float !== undefined) {
      if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${JSON.stringify(text)}`);
      // Go also treats an integral float constant (1.0) as an int.
      const asInt = Number.isInteger(float) && Math.abs(float) < 2 ** 63 ? BigInt(float) : undefined;
      return { kind: "number", pos: item.pos, text, int: asInt, float, isChar: false };
    }
    this.errorf(`illegal number syntax: ${JSON.stringify(text)}`);
  }
}

/**
 * Parses `text` as a template named `name`. `isFunction` says which identifiers are defined
 * functions (builtins included). Throws a parse-phase InterpolationError.
 */
export function parseTemplate(text: string, isFunction: (name: string) => boolean, name = "root"): ParsedTemplate {
  const root = new Parser(name, text, isFunction).parse();
  return { name, text, root };
}
