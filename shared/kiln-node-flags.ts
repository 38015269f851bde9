/**
 * Node flags `kiln` runs with when started as a program (bin/kiln.js's second line gives them to
 * node; a test keeps the two equal). bench/farm starts itself and its agents with them too.
 *
 * Why: V8 starts a small heap's old generation with a low limit and counts the ArrayBuffers of
 * socket reads and NATS payloads towards it, so moving artifacts (1 MiB object-store chunks,
 * 64 KiB socket reads) ran a full mark-compact every ~60 ms. A 256 MiB initial old space made
 * that every ~250 ms: per GiB, the controller's CPU for a download fell from ~4.5 s to ~2.6 s, the
 * downloading client's from ~5.2 s to ~3.8 s, and an agent's upload went from ~270 to ~420 MB/s,
 * for ~20 MB more peak RSS (bench/farm --only=artifacts). NODE_OPTIONS cannot carry this flag.
 */
export const KILN_NODE_FLAGS: readonly string[] = ["--initial-old-space-size=256"];
