// Parse tree of a Go text/template, and its canonical text (Go's Node.String()), which is what
// execution errors quote between < and >.

interface Positioned {
  /** Offset in the source text (UTF-16 units; converted to bytes for messages). */
  readonly pos: number;
}

export interface TextNode extends Positioned {
  readonly kind: "text";
  readonly text: string;
}

export interface ActionNode extends Positioned {
  readonly kind: "action";
  readonly line: number;
  readonly pipe: PipeNode;
}

export interface PipeNode extends Positioned {
  readonly kind: "pipe";
  readonly line: number;
  /** `$x = …` rather than `$x := …`. */
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}

export interface CommandNode extends Positioned {
  readonly kind: "command";
  readonly args: ArgNode[];
}

export interface IdentifierNode extends Positioned {
  readonly kind: "identifier";
  readonly ident: string;
}

export interface VariableNode extends Positioned {
  readonly kind: "variable";
  /** `$x.A.B` is ["$x", "A", "B"]. */
  readonly ident: string[];
}

export interface FieldNode extends Positioned {
  readonly kind: "field";
  /** `.A.B` is ["A", "B"]. */
  readonly ident: string[];
}

export interface ChainNode extends Positioned {
  readonly kind: "chain";
  readonly node: ArgNode;
  readonly field: string[];
}

export interface DotNode extends Positioned {
  readonly kind: "dot";
}

export interface NilNode extends Positioned {
  readonly kind: "nil";
}

export interface BoolNode extends Positioned {
  readonly kind: "bool";
  readonly value: boolean;
}

export interface NumberNode extends Positioned {
  readonly kind: "number";
  /** Source text, as written. */
  readonly text: string;
  /** Set when the value is an integer (also for 1.0 and 'a'), as Go's IsInt. */
  readonly int?: bigint;
  /** Set when the text is a valid float. */
  readonly float?: number;
  /** A character constant such as 'a'. */
  readonly isChar: boolean;
}

export interface StringNode extends Positioned {
  readonly kind: "string";
  /** Source text with its quotes. */
  readonly quoted: string;
  readonly text: string;
}

export interface ListNode extends Positioned {
  readonly kind: "list";
  readonly nodes: BodyNode[];
}

export interface BranchNode extends Positioned {
  readonly kind: "if" | "range" | "with";
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList?: ListNode;
}

/** Operands of a command. */
export type ArgNode =
  | IdentifierNode
  | VariableNode
  | FieldNode
  | ChainNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

/** What a template body contains. */
export type BodyNode = TextNode | ActionNode | BranchNode;

export type Node = ArgNode | BodyNode | CommandNode | ListNode;

/** Go's String() of a node, used as the context of execution errors. */
export function nodeText(node: Node): string {
  switch (node.kind) {
    case "text":
      return JSON.stringify(node.text);
    case "action":
      return `{{${nodeText(node.pipe)}}}`;
    case "pipe": {
      let s = "";
      if (node.decl.length > 0) {
        s = node.decl.map(nodeText).join(", ") + (node.isAssign ? " = " : " := ");
      }
      return s + node.cmds.map(nodeText).join(" | ");
    }
    case "command":
      return node.args.map((arg) => (arg.kind === "pipe" ? `(${nodeText(arg)})` : nodeText(arg))).join(" ");
    case "identifier":
      return node.ident;
    case "variable":
      return node.ident.join(".");
    case "field":
      return node.ident.map((part) => `.${part}`).join("");
    case "chain": {
      const base = node.node.kind === "pipe" ? `(${nodeText(node.node)})` : nodeText(node.node);
      return base + node.field.map((part) => `.${part}`).join("");
    }
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return node.value ? "true" : "false";
    case "number":
      return node.text;
    case "string":
      return node.quoted;
    case "list":
      return node.nodes.map(nodeText).join("");
    case "if":
    case "range":
    case "with": {
      const elsePart = node.elseList ? `{{else}}${nodeText(node.elseList)}` : "";
      return `{{${node.kind} ${nodeText(node.pipe)}}}${nodeText(node.list)}${elsePart}{{end}}`;
    }
  }
}
