import test from "ava";
import { randomBytes } from "node:crypto";
import { ArtifactChunk } from "../../proto/gen/kiln/v1/farm.js";
import { encodeArtifactChunk } from "../../controller/artifact-chunk-wire.js";

const cases: [string, ArtifactChunk][] = [
  ["an empty chunk", { data: new Uint8Array(0), totalSize: 0 }],
  ["a first chunk with the size of a 5 GiB file", { data: randomBytes(1024 * 1024), totalSize: 5 * 1024 ** 3 + 17 }],
  ["a later chunk (no size)", { data: randomBytes(127), totalSize: 0 }],
  ["a chunk whose length needs a 2-byte varint", { data: randomBytes(128), totalSize: 128 }],
  ["the largest safe size", { data: randomBytes(3), totalSize: Number.MAX_SAFE_INTEGER }],
];

for (const [what, chunk] of cases) {
  test(`artifact chunks are encoded byte for byte as the generated encoder does: ${what}`, (t) => {
    const fast = encodeArtifactChunk(chunk);
    t.deepEqual(fast, Buffer.from(ArtifactChunk.encode(chunk).finish()));
    const back = ArtifactChunk.decode(fast);
    t.is(back.totalSize, chunk.totalSize);
    t.true(Buffer.from(back.data).equals(Buffer.from(chunk.data)));
  });
}

test("an artifact chunk with a size that is not a byte count is refused", (t) => {
  t.throws(() => encodeArtifactChunk({ data: new Uint8Array(1), totalSize: -1 }), { instanceOf: RangeError });
  t.throws(() => encodeArtifactChunk({ data: new Uint8Array(1), totalSize: 1.5 }), { instanceOf: RangeError });
});
