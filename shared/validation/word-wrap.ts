/**
 * Packer wraps diagnostic text at 80 columns (Go's mitchellh/go-wordwrap): greedy, at spaces,
 * existing line breaks kept, a word longer than the limit left whole on its own line.
 */
export function wordWrap(text: string, limit = 80): string {
  return text
    .split("\n")
    .map((line) => {
      if ([...line].length <= limit) return line;
      const out: string[] = [];
      let current = "";
      for (const word of line.split(" ")) {
        if (current === "") current = word;
        else if ([...current].length + 1 + [...word].length <= limit) current += ` ${word}`;
        else {
          out.push(current);
          current = word;
        }
      }
      out.push(current);
      return out.join("\n");
    })
    .join("\n");
}
