/** A bundle (the tar.gz of a template's folder) that Kiln refuses to extract, and why. */
export class BundleError extends Error {
  override name = "BundleError";
  /** The archive entry at fault, when one is ("" for the bundle as a whole). */
  readonly entry: string;
  constructor(message: string, entry = "") {
    super(message);
    this.entry = entry;
  }
}
