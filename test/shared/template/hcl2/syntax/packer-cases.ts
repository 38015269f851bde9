/**
 * What Packer 1.6.6 (hcl v2.6.0) does with small files, recorded by running it
 * (CHECKPOINT_DISABLE=1): `packer validate -syntax-only` on files with syntax errors, and
 * `packer fmt` on unformatted files. The tests compare Kiln with these recordings, and with a
 * live packer when one is installed.
 */
export interface RecordedCase {
  file: string;
  source: string;
  packer: string;
}

export const syntaxErrorCases: RecordedCase[] = [
  {
    "file": "backtick.pkr.hcl",
    "source": "source \"null\" \"x\" {\n  a = `foo`\n}\n",
    "packer": "Error: Invalid character\n\n  on backtick.pkr.hcl line 2, in source \"null\" \"x\":\n   2:   a = `foo`\n\nThe \"`\" character is not valid. To create a multi-line string, use the \"heredoc\"\nsyntax, like \"<<EOT\".\n\nError: Invalid expression\n\n  on backtick.pkr.hcl line 2, in source \"null\" \"x\":\n   2:   a = `foo`\n\nExpected the start of an expression, but found an invalid expression token.\n\n\n"
  },
  {
    "file": "badexpr.pkr.hcl",
    "source": "locals {\n  a = }\n}\n",
    "packer": "Error: Invalid expression\n\n  on badexpr.pkr.hcl line 2, in locals:\n   2:   a = }\n\nExpected the start of an expression, but found an invalid expression token.\n\n\n"
  },
  {
    "file": "bitwise.pkr.hcl",
    "source": "locals {\n  a = 1 & 2\n}\n",
    "packer": "Error: Unsupported operator\n\n  on bitwise.pkr.hcl line 2, in locals:\n   2:   a = 1 & 2\n\nBitwise operators are not supported. Did you mean boolean AND (\"&&\")?\n\nError: Missing newline after argument\n\n  on bitwise.pkr.hcl line 2, in locals:\n   2:   a = 1 & 2\n\nAn argument definition must end with a newline.\n\n\n"
  },
  {
    "file": "brace.pkr.hcl",
    "source": "source \"null\" \"x\"\n{\n}\n",
    "packer": "Error: Invalid block definition\n\n  on brace.pkr.hcl line 1:\n   1: source \"null\" \"x\"\n   2: {\n\nA block definition must have block content delimited by \"{\" and \"}\", starting on\nthe same line as the block header.\n\n\n"
  },
  {
    "file": "callnoclose.pkr.hcl",
    "source": "locals {\n  a = f(1, 2\n  b = 1\n}\n",
    "packer": "Error: Missing argument separator\n\n  on callnoclose.pkr.hcl line 3, in locals:\n   2:   a = f(1, 2\n   3:   b = 1\n\nA comma is required to separate each function argument from the next.\n\n\n"
  },
  {
    "file": "comma.pkr.hcl",
    "source": "locals {\n  a = 1,\n  b = 2\n}\n",
    "packer": "Error: Unexpected comma after argument\n\n  on comma.pkr.hcl line 2, in locals:\n   2:   a = 1,\n\nArgument definitions must be separated by newlines, not commas. An argument\ndefinition must end with a newline.\n\n\n"
  },
  {
    "file": "condmissing.pkr.hcl",
    "source": "locals {\n  a = true ? 1\n}\n",
    "packer": "Error: Missing false expression in conditional\n\n  on condmissing.pkr.hcl line 2, in locals:\n   2:   a = true ? 1\n   3: }\n\nThe conditional operator (...?...:...) requires a false expression, delimited by\na colon.\n\n\n"
  },
  {
    "file": "dupattr.pkr.hcl",
    "source": "locals {\n  a = 1\n  a = 2\n}\n",
    "packer": "Error: Attribute redefined\n\n  on dupattr.pkr.hcl line 3, in locals:\n   3:   a = 2\n\nThe argument \"a\" was already set at dupattr.pkr.hcl:2,3-4. Each argument may be\nset only once.\n\n\n"
  },
  {
    "file": "eofexpr.pkr.hcl",
    "source": "locals {\n  a = ",
    "packer": "Error: Invalid expression\n\n  on eofexpr.pkr.hcl line 2:\n   2:   a = \n\nExpected the start of an expression, but found an invalid expression token.\n\n\n"
  },
  {
    "file": "eqblock.pkr.hcl",
    "source": "source \"null\" \"x\" = {\n}\n",
    "packer": "Error: Invalid block definition\n\n  on eqblock.pkr.hcl line 1:\n   1: source \"null\" \"x\" = {\n\nThe equals sign \"=\" indicates an argument definition, and must not be used when\ndefining a block.\n\n\n"
  },
  {
    "file": "forbad.pkr.hcl",
    "source": "locals {\n  a = [for x in y x]\n}\n",
    "packer": "Error: Invalid 'for' expression\n\n  on forbad.pkr.hcl line 2, in locals:\n   2:   a = [for x in y x]\n\nFor expression requires a colon after the collection expression.\n\n\n"
  },
  {
    "file": "heredocok.pkr.hcl",
    "source": "locals {\n  a = <<-EOT\n    hi\n  EOT\n  b = 1\n}\n",
    "packer": "Syntax-only check passed. Everything looks okay.\n"
  },
  {
    "file": "index_eof.pkr.hcl",
    "source": "build {\n  provisioner \"shell\" {\n    max_retries = var.x[s\n  }\n}\n",
    "packer": "Error: Missing close bracket on index\n\n  on index_eof.pkr.hcl line 6:\n\nThe index operator must end with a closing bracket (\"]\").\n\n\n"
  },
  {
    "file": "label_escape.pkr.hcl",
    "source": "variable \"image\\_id\" {\n}\n",
    "packer": "Error: Invalid escape sequence\n\n  on label_escape.pkr.hcl line 1, in variable \"image_id\":\n   1: variable \"image\\_id\" {\n\nThe symbol \"_\" is not a valid escape sequence selector.\n\n\n"
  },
  {
    "file": "labelinterp.pkr.hcl",
    "source": "source \"null\" \"${x}\" {\n}\n",
    "packer": "Error: Invalid string literal\n\n  on labelinterp.pkr.hcl line 1, in source \"null\" \"${ ... }\":\n   1: source \"null\" \"${x}\" {\n\nTemplate sequences are not allowed in this string. To include a literal \"$\",\ndouble it (as \"$$\") to escape it.\n\n\n"
  },
  {
    "file": "legacy.pkr.hcl",
    "source": "locals {\n  a = b.0.1\n}\n",
    "packer": "Error: Invalid legacy index syntax\n\n  on legacy.pkr.hcl line 2, in locals:\n   2:   a = b.0.1\n\nWhen using the legacy index syntax, chaining two indexes together is not\npermitted. Use the proper index syntax instead, like [0][1].\n\n\n"
  },
  {
    "file": "n.pkr.hcl",
    "source": "locals {\n  a = 1.5.3\n  b = 0x10\n}\n",
    "packer": "Error: Invalid number literal\n\n  on n.pkr.hcl line 2, in locals:\n   2:   a = 1.5.3\n\nFailed to recognize the value of this number literal.\n\nError: Missing newline after argument\n\n  on n.pkr.hcl line 3, in locals:\n   3:   b = 0x10\n\nAn argument definition must end with a newline.\n\n\n"
  },
  {
    "file": "nl.pkr.hcl",
    "source": "locals {\n  a = \"abc\n  \"\n}\n",
    "packer": "Error: Invalid multi-line string\n\n  on nl.pkr.hcl line 2, in locals:\n   2:   a = \"abc\n   3:   \"\n\nQuoted strings may not be split over multiple lines. To produce a multi-line\nstring, either use the \\n escape to represent a newline character or use the\n\"heredoc\" multi-line template syntax.\n\nError: Unterminated template string\n\n  on nl.pkr.hcl line 2, in locals:\n   2:   a = \"abc\n   3:   \"\n\nNo closing marker was found for the string.\n\n\n"
  },
  {
    "file": "nlexpr.pkr.hcl",
    "source": "locals {\n  a = 1\n    + 2\n}\n",
    "packer": "Error: Argument or block definition required\n\n  on nlexpr.pkr.hcl line 3, in locals:\n   3:     + 2\n\nAn argument or block definition is required here.\n\n\n"
  },
  {
    "file": "noeq.pkr.hcl",
    "source": "source \"null\" \"x\" {\n  communicator \"none\"\n}\n",
    "packer": "Error: Invalid block definition\n\n  on noeq.pkr.hcl line 2, in source \"null\" \"x\":\n   2:   communicator \"none\"\n   3: }\n\nA block definition must have block content delimited by \"{\" and \"}\", starting on\nthe same line as the block header.\n\n\n"
  },
  {
    "file": "objsep.pkr.hcl",
    "source": "locals {\n  a = { b = 1 c = 2 }\n}\n",
    "packer": "Error: Missing attribute separator\n\n  on objsep.pkr.hcl line 2, in locals:\n   2:   a = { b = 1 c = 2 }\n\nExpected a newline or comma to mark the beginning of the next attribute.\n\n\n"
  },
  {
    "file": "q.pkr.hcl",
    "source": "locals {\n  a = \"x\\qy\"\n}\n",
    "packer": "Error: Invalid escape sequence\n\n  on q.pkr.hcl line 2, in locals:\n   2:   a = \"x\\qy\"\n\nThe symbol \"q\" is not a valid escape sequence selector.\n\n\n"
  },
  {
    "file": "quotedname.pkr.hcl",
    "source": "locals {\n  \"a\" = 1\n}\n",
    "packer": "Error: Invalid argument name\n\n  on quotedname.pkr.hcl line 2, in locals:\n   2:   \"a\" = 1\n\nArgument names must not be quoted.\n\n\n"
  },
  {
    "file": "semicolon.pkr.hcl",
    "source": "locals {\n  a = 1;\n}\n",
    "packer": "Error: Invalid character\n\n  on semicolon.pkr.hcl line 2, in locals:\n   2:   a = 1;\n\nThe \";\" character is not valid. Use newlines to separate arguments and blocks,\nand commas to separate items in collection values.\n\nError: Missing newline after argument\n\n  on semicolon.pkr.hcl line 2, in locals:\n   2:   a = 1;\n\nAn argument definition must end with a newline.\n\n\n"
  },
  {
    "file": "singleblock.pkr.hcl",
    "source": "build { source \"x\" {} }\n",
    "packer": "Error: Argument definition required\n\n  on singleblock.pkr.hcl line 1, in build:\n   1: build { source \"x\" {} }\n\nA single-line block definition can contain only a single argument. If you meant\nto define argument \"source\", use an equals sign to assign it a value. To define\na nested block, place it on a line of its own within its parent block.\n\n\n"
  },
  {
    "file": "singleline.pkr.hcl",
    "source": "locals { a = 1 }\nsource \"null\" \"x\" { communicator = \"none\", b = 2 }\n",
    "packer": "Error: Invalid single-argument block definition\n\n  on singleline.pkr.hcl line 2, in source \"null\" \"x\":\n   2: source \"null\" \"x\" { communicator = \"none\", b = 2 }\n\nSingle-line block syntax can include only one argument definition. To define\nmultiple arguments, use the multi-line block syntax with one argument definition\nper line.\n\n\n"
  },
  {
    "file": "singleline_nl.pkr.hcl",
    "source": "source \"a\" \"b\" {x = 1\n  y = 2\n}\n",
    "packer": "Error: Invalid single-argument block definition\n\n  on singleline_nl.pkr.hcl line 1, in source \"a\" \"b\":\n   1: source \"a\" \"b\" {x = 1\n   2:   y = 2\n\nAn argument definition on the same line as its containing block creates a\nsingle-line block definition, which must also be closed on the same line. Place\nthe block's closing brace immediately after the argument definition.\n\n\n"
  },
  {
    "file": "tab.pkr.hcl",
    "source": "locals {\n\ta = 1\n}\n",
    "packer": "Syntax-only check passed. Everything looks okay.\n"
  },
  {
    "file": "tilde.pkr.hcl",
    "source": "locals {\n  conten~t = 1\n}\n",
    "packer": "Error: Unsupported operator\n\n  on tilde.pkr.hcl line 2, in locals:\n   2:   conten~t = 1\n\nBitwise operators are not supported. Did you mean boolean NOT (\"!\")?\n\nError: Argument or block definition required\n\n  on tilde.pkr.hcl line 2, in locals:\n   2:   conten~t = 1\n\nAn argument or block definition is required here. To set an argument, use the\nequals sign \"=\" to introduce the argument value.\n\n\n"
  },
  {
    "file": "tmplbad.pkr.hcl",
    "source": "locals {\n  a = \"%{ iff true }x%{ endif }\"\n}\n",
    "packer": "Error: Invalid template control keyword\n\n  on tmplbad.pkr.hcl line 2, in locals:\n   2:   a = \"%{ iff true }x%{ endif }\"\n\n\"iff\" is not a valid template control keyword. Did you mean \"if\"?\n\nError: Unexpected endif directive\n\n  on tmplbad.pkr.hcl line 2, in locals:\n   2:   a = \"%{ iff true }x%{ endif }\"\n\nThe control directives within this template are unbalanced.\n\n\n"
  },
  {
    "file": "tmplif.pkr.hcl",
    "source": "locals {\n  a = \"%{ if true }x\"\n}\n",
    "packer": "Error: Unexpected end of template\n\n  on tmplif.pkr.hcl line 2, in locals:\n   2:   a = \"%{ if true }x\"\n\nThe if directive at tmplif.pkr.hcl:2,8-20 is missing its corresponding endif\ndirective.\n\n\n"
  },
  {
    "file": "twoattrs.pkr.hcl",
    "source": "locals {\n  a = 1 b = 2\n}\n",
    "packer": "Error: Missing newline after argument\n\n  on twoattrs.pkr.hcl line 2, in locals:\n   2:   a = 1 b = 2\n\nAn argument definition must end with a newline.\n\n\n"
  },
  {
    "file": "u.pkr.hcl",
    "source": "locals {\n  a = \"\\u12\"\n}\n",
    "packer": "Error: Invalid escape sequence\n\n  on u.pkr.hcl line 2, in locals:\n   2:   a = \"\\u12\"\n\nThe \\u escape sequence must be followed by four hexadecimal digits.\n\n\n"
  },
  {
    "file": "unclosed.pkr.hcl",
    "source": "source \"null\" \"x\" {\n  communicator = \"none\"\n\nbuild {\n  sources = [\"source.null.x\"]\n}\n",
    "packer": "Error: Argument or block definition required\n\n  on unclosed.pkr.hcl line 7:\n\nAn argument or block definition is required here.\n\n\n"
  },
  {
    "file": "unterminated.pkr.hcl",
    "source": "locals {\n  a = [1, 2\n}\n",
    "packer": "Error: Missing item separator\n\n  on unterminated.pkr.hcl line 3, in locals:\n   2:   a = [1, 2\n   3: }\n\nExpected a comma to mark the beginning of the next item.\n\n\n"
  },
  {
    "file": "unterminated_comment.pkr.hcl",
    "source": "variabl/* \"foo\" {\n  type = string\n}\n",
    "packer": "Error: Argument or block definition required\n\n  on unterminated_comment.pkr.hcl line 1:\n   1: variabl/* \"foo\" {\n\nAn argument or block definition is required here. To set an argument, use the\nequals sign \"=\" to introduce the argument value.\n\n\n"
  }
];

/**
 * HCL's JSON syntax with syntax errors. Known differences, not recorded here: after the first
 * error hcl's JSON parser recovers and may report more (a mismatched bracket, a missing comma
 * before the next property); Kiln reports the first one only.
 */
export const jsonSyntaxErrorCases: RecordedCase[] = [
  {
    "file": "badesc.pkr.json",
    "source": "{\n  \"locals\": {\"a\": \"x\\\\q\"}\n}\n",
    "packer": "Syntax-only check passed. Everything looks okay.\n"
  },
  {
    "file": "empty.pkr.json",
    "source": "",
    "packer": "Error: Missing value\n\n  on empty.pkr.json line 1:\n\nThe JSON data ends prematurely.\n\nError: Root value must be object\n\n  on empty.pkr.json line 1:\n\nThe root value in a JSON-based configuration must be either a JSON object or a\nJSON array of objects.\n\n\n"
  },
  {
    "file": "equals.pkr.json",
    "source": "{\n  \"locals\": {\"a\" = 1}\n}\n",
    "packer": "Error: Missing property value colon\n\n  on equals.pkr.json line 2:\n   2:   \"locals\": {\"a\" = 1}\n\nJSON uses a colon as its name/value delimiter, not an equals sign.\n\n\n"
  },
  {
    "file": "extra.pkr.json",
    "source": "{\n  \"locals\": {\"a\": 1}\n} x\n",
    "packer": "Error: Extraneous data after value\n\n  on extra.pkr.json line 3:\n   3: } x\n\nExtra characters appear after the JSON value.\n\n\n"
  },
  {
    "file": "keyword.pkr.json",
    "source": "{\n  \"locals\": {\"a\": tru}\n}\n",
    "packer": "Error: Invalid JSON keyword\n\n  on keyword.pkr.json line 2, in locals:\n   2:   \"locals\": {\"a\": tru}\n\n\"tru\" is not a valid JSON keyword. Did you mean \"true\"?\n\n\n"
  },
  {
    "file": "missingval.pkr.json",
    "source": "{\n  \"locals\": {\"a\": }\n}\n",
    "packer": "Error: Missing JSON value\n\n  on missingval.pkr.json line 2, in locals:\n   2:   \"locals\": {\"a\": }\n\nA JSON value must start with a brace, a bracket, a number, a string, or a\nkeyword.\n\n\n"
  },
  {
    "file": "nocolon.pkr.json",
    "source": "{\n  \"locals\": {\"a\" 1}\n}\n",
    "packer": "Error: Missing property value colon\n\n  on nocolon.pkr.json line 2:\n   2:   \"locals\": {\"a\" 1}\n\nA colon must appear between an object property's name and its value.\n\n\n"
  },
  {
    "file": "trailobj.pkr.json",
    "source": "{\n  \"locals\": {\"a\": 1,}\n}\n",
    "packer": "Error: Trailing comma in object\n\n  on trailobj.pkr.json line 2:\n   2:   \"locals\": {\"a\": 1,}\n\nJSON does not permit a trailing comma after the final property in an object.\n\n\n"
  },
  {
    "file": "unclosed.pkr.json",
    "source": "{\n  \"locals\": {\"a\": 1}\n",
    "packer": "Error: Unclosed object\n\n  on unclosed.pkr.json line 1:\n   1: {\n\nNo closing brace was found for this JSON object.\n\nError: Root value must be object\n\n  on unclosed.pkr.json line 1:\n   1: {\n\nThe root value in a JSON-based configuration must be either a JSON object or a\nJSON array of objects.\n\n\n"
  },
  {
    "file": "undef.pkr.json",
    "source": "{\n  \"locals\": {\"a\": undefined}\n}\n",
    "packer": "Error: Invalid JSON keyword\n\n  on undef.pkr.json line 2, in locals:\n   2:   \"locals\": {\"a\": undefined}\n\nThe JavaScript identifier \"undefined\" cannot be used in JSON.\n\n\n"
  }
];

/** `packer fmt` (1.6.6): `source` is the file before, `packer` the file after. */
export const formatCases: RecordedCase[] = [
  {
    "file": "mixed.pkr.hcl",
    "source": "variable \"foo\" {\ntype = string\n  default=\"x\"\n    description = \"a long description\"   # trailing\n  sensitive= true // other\n}\n\nlocals {\n  a = {for k,v in var.m: k=>v...  if k!=\"x\"}\n  b = [ 1,2 , 3 ]\n  c = -1 + 2*3 - -4\n  d = !var.x&&var.y||var.z ? \"yes\" : \"no\"\n  e = \"${ var.a }-%{ if var.b }y%{else}n%{ endif }\"\n  f = f( 1, [2,3]... )\n  g = var.list[0].name\n  h = var.list[*].id\n  i = var.m[\"key\"]\n  j = {\n    a = 1\n    bbb = 2\n    \"c\" : 3\n  }\n  k = <<-EOT\n    hello ${ var.x }\n      world\n  EOT\n  l = [for x in [1,2]: x*2]\n  long_name_here = 1\n  m = {}\n  n = (1+2)*3\n}\n\nsource \"null\" \"x\" {\n  communicator = \"none\"\n}\nbuild {\n  sources = [\"source.null.x\"]\n  provisioner \"shell-local\" { inline = [\"echo hi\"] }\n  provisioner \"shell-local\" {\n\tinline = [\n\t  \"echo a\",\n\t    \"echo b\",\n\t]\n  }\n}\n",
    "packer": "variable \"foo\" {\n  type        = string\n  default     = \"x\"\n  description = \"a long description\" # trailing\n  sensitive   = true                 // other\n}\n\nlocals {\n  a = { for k, v in var.m : k => v... if k != \"x\" }\n  b = [1, 2, 3]\n  c = -1 + 2 * 3 - -4\n  d = ! var.x && var.y || var.z ? \"yes\" : \"no\"\n  e = \"${var.a}-%{if var.b}y%{else}n%{endif}\"\n  f = f(1, [2, 3]...)\n  g = var.list[0].name\n  h = var.list[*].id\n  i = var.m[\"key\"]\n  j = {\n    a   = 1\n    bbb = 2\n    \"c\" : 3\n  }\n  k              = <<-EOT\n    hello ${var.x}\n      world\n  EOT\n  l              = [for x in [1, 2] : x * 2]\n  long_name_here = 1\n  m              = {}\n  n              = (1 + 2) * 3\n}\n\nsource \"null\" \"x\" {\n  communicator = \"none\"\n}\nbuild {\n  sources = [\"source.null.x\"]\n  provisioner \"shell-local\" { inline = [\"echo hi\"] }\n  provisioner \"shell-local\" {\n    inline = [\n      \"echo a\",\n      \"echo b\",\n    ]\n  }\n}\n"
  },
  {
    "file": "comments.pkr.hcl",
    "source": "# top comment\n/* block\ncomment */\nvariable \"region\" {\n  type    = string # type\n  default = \"eu-west-1\"   // default\n  # inside\n}\n\nvariable \"tags\" {\n  type = map(string)\n  default = {\n    Name = \"x\"      # name\n    Environment=\"dev\"\n    \"key with space\"= \"v\"\n  }\n}\n",
    "packer": "# top comment\n/* block\ncomment */\nvariable \"region\" {\n  type    = string      # type\n  default = \"eu-west-1\" // default\n  # inside\n}\n\nvariable \"tags\" {\n  type = map(string)\n  default = {\n    Name             = \"x\" # name\n    Environment      = \"dev\"\n    \"key with space\" = \"v\"\n  }\n}\n"
  },
  {
    "file": "crlf.pkr.hcl",
    "source": "locals {\r\n  a=1\r\n  bb = 2\r\n}\r\n",
    "packer": "locals {\r\n  a  = 1\r\n  bb = 2\r\n}\r\n"
  },
  {
    "file": "exprs.pkr.hcl",
    "source": "locals {\n  a = var.x==1?\"one\":var.x>1 ? \"many\" :\"none\"\n  b = [for i, v in var.list: upper(v) if i%2==0]\n  c = {for k, v in var.map: k=>length(v)}\n  d = concat(var.a,var.b,\n    var.c)\n  e = merge(\n    { a = 1 },\n  {b=2},\n  )\n  f = var.list.*.id\n  g = var.list[*]. id\n  h = -var.n*-2\n  i = \"${upper(\"x\")}${lower( \"Y\" )}\"\n  j = { \"a\" : 1, b = [1,2,{c=3}] }\n  k = (var.a+var.b)/2\n  l = timestamp()\n  m = !true\n  ümlaut = 1\n  x = 2\n}\nsource \"docker\" \"ubuntu\" {\n  image  = \"ubuntu:20.04\"\n  commit = true\n  changes = [\n    \"ENTRYPOINT [\\\"/bin/sh\\\"]\",\n  ]\n}\n",
    "packer": "locals {\n  a = var.x == 1 ? \"one\" : var.x > 1 ? \"many\" : \"none\"\n  b = [for i, v in var.list : upper(v) if i % 2 == 0]\n  c = { for k, v in var.map : k => length(v) }\n  d = concat(var.a, var.b,\n  var.c)\n  e = merge(\n    { a = 1 },\n    { b = 2 },\n  )\n  f      = var.list.*.id\n  g      = var.list[*].id\n  h      = -var.n * -2\n  i      = \"${upper(\"x\")}${lower(\"Y\")}\"\n  j      = { \"a\" : 1, b = [1, 2, { c = 3 }] }\n  k      = (var.a + var.b) / 2\n  l      = timestamp()\n  m      = ! true\n  ümlaut = 1\n  x      = 2\n}\nsource \"docker\" \"ubuntu\" {\n  image  = \"ubuntu:20.04\"\n  commit = true\n  changes = [\n    \"ENTRYPOINT [\\\"/bin/sh\\\"]\",\n  ]\n}\n"
  },
  {
    "file": "heredoc.pkr.hcl",
    "source": "build {\n    provisioner \"shell\" {\n  inline = [<<EOF\n  echo ${var.x}\n     indented stays\nEOF\n  ,\"two\"]\n      environment_vars = [\"A=1\",\"B=2\"]\n    }\n}\nlocals {\n    script = <<-EOT\n      #!/bin/sh\n      set -e\n        echo \"%{ for s in var.list }${s} %{ endfor }\"\n    EOT\n    x=1\n}\n",
    "packer": "build {\n  provisioner \"shell\" {\n    inline = [<<EOF\n  echo ${var.x}\n     indented stays\nEOF\n    , \"two\"]\n    environment_vars = [\"A=1\", \"B=2\"]\n  }\n}\nlocals {\n  script = <<-EOT\n      #!/bin/sh\n      set -e\n        echo \"%{for s in var.list}${s} %{endfor}\"\n    EOT\n  x      = 1\n}\n"
  },
  {
    "file": "tabs_noeol.pkr.hcl",
    "source": "locals {\n\ta = 1\n\tbb = 2\n}",
    "packer": "locals {\n  a  = 1\n  bb = 2\n}"
  }
];

