/**
 * What a builder or post-processor produced. Plain data so it can be shipped in a farm event;
 * `destroy` is done by the runner from `files` (and by plugins for non-file artifacts).
 */
export interface Artifact {
  /** Packer's builder id, e.g. "packer.file", "mitchellh.post-processor.checksum". */
  builderId: string;
  /** Identifier: an image id, an AMI id, or a file path. */
  id: string;
  /** Files on this machine, relative to the working directory or absolute. */
  files: string[];
  /** The human line shown after "Builds finished". */
  description: string;
  /** Extra data post-processors read (the manifest's `custom_data`, docker's image id…). */
  state?: Record<string, unknown>;
}
