/** -warm pieces every VM builder shares: the snapshot store, the restore-or-capture choice, the capture around a builder's own save, the guest fix-ups after a restore. */
export { captureSnapshot, type CaptureTarget, type GuestSaver } from "./capture-snapshot.js";
export { chooseWarmMode, warmApplies, type WarmMode, type WarmModeKnown } from "./warm-mode.js";
export { stepWarmFixups, fixupScript } from "./step-warm-fixups.js";
export {
  discard,
  loadDigests,
  publish,
  reapStaleStaging,
  saveDigests,
  snapshotAt,
  snapshotExists,
  stagingFor,
  warmRoot,
  type SnapshotMeta,
  type WarmSnapshot,
} from "./warm-store.js";
