import test from "ava";
import { wordWrap } from "../../../shared/validation/word-wrap.js";

test("wraps at 80 columns on spaces as Packer does, keeping existing line breaks", (t) => {
  const text = "* No instructions given for handling the artifact; expected commit, discard, or export_path";
  t.is(wordWrap(text), "* No instructions given for handling the artifact; expected commit, discard, or\nexport_path");
  t.is(wordWrap("short\nlines"), "short\nlines");
  const long = "x".repeat(90);
  t.is(wordWrap(`a ${long} b`), `a\n${long}\nb`);
});
