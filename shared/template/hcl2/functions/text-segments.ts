/**
 * Unicode text segmentation: cty counts, slices and reverses strings by grapheme cluster
 * (textseg), which Intl.Segmenter gives us.
 */
const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

export function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (seg) => seg.segment);
}
