// Perceptual fingerprints: a 64-bit pHash of a still or of sampled video frames, the
// distances between them, and the verdicts those distances mean.

export {
  HASH_ALGO,
  HASH_BITS,
  HASH_SIZE,
  LOW_DETAIL_STDDEV,
  MATCH_MAX,
  POSSIBLE_MAX,
  chunks16,
  hamming,
  hashGrey,
  isHash,
  neighbours16,
  popcount32,
  borderBox,
  dihedralHashes,
  dihedralOfHash,
  DIHEDRAL,
  TRIM_SIZE,
  type PixelHash,
  type Verdict,
} from "../../domain/phash.js";
export { verdictFor } from "../../domain/likeness.js";
export { FingerprintError, IMAGE_EXTENSIONS, MAX_INPUT_PIXELS, PARTIAL_MIN_SHARE, SHARP_FORMATS, fingerprintImage, fingerprintPixels, isFingerprintableImage, type ImageFingerprint } from "./image.js";
export {
  DENSEST_SECONDS,
  EVERY_SECONDS,
  FFMPEG_MISSING,
  FfmpegMissingError,
  SCENE_THRESHOLD,
  SHORT_CLIP_SAMPLES,
  STALL_SECONDS,
  findFfmpeg,
  fingerprintFrameAt,
  fingerprintVideo,
  probeVideo,
  samplingInterval,
  type FfmpegTools,
  type ToolOptions,
  type VideoFingerprint,
  type VideoFrameFingerprint,
  type VideoInfo,
  type VideoOptions,
} from "./video.js";
