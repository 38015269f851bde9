/**
 * Sends a SubmitBuild as the client stream the API takes: the fields and the bundle's first
 * chunk, then the rest of the bundle in chunks, honouring the call's back-pressure. No message
 * is ever bigger than a chunk, whatever the bundle's size.
 */
import type { Metadata, ServiceError } from "@grpc/grpc-js";
import { SubmitBuildRequest, type FarmClient, type SubmitBuildResponse } from "../../proto/gen/kiln/v1/farm.js";

/** Bundle bytes per message. */
export const SUBMIT_CHUNK_BYTES = 1024 * 1024;

/** Rejects with the call's ServiceError. */
export function submitBuildStreamed(client: FarmClient, request: SubmitBuildRequest, metadata: Metadata): Promise<SubmitBuildResponse> {
  return new Promise((resolve, reject) => {
    const call = client.submitBuild(metadata, (err: ServiceError | null, res?: SubmitBuildResponse) => (err || !res ? reject(err) : resolve(res)));
    const bundle = request.bundle;
    void (async () => {
      for (let offset = 0; offset === 0 || offset < bundle.length; offset += SUBMIT_CHUNK_BYTES) {
        const part = bundle.subarray(offset, offset + SUBMIT_CHUNK_BYTES);
        const message = offset === 0 ? { ...request, bundle: part } : SubmitBuildRequest.fromPartial({ bundle: part });
        if (!call.write(message)) await new Promise<void>((r) => call.once("drain", () => r()));
      }
      call.end();
    })().catch((e: unknown) => {
      call.cancel();
      reject(e);
    });
  });
}
