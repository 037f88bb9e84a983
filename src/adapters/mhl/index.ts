// ASC MHL v2 (chain-of-custody hash lists): see mhl.ts (writing) and history.ts (reading a history).
export { c4File, c4FromSha512, c4id, c4ToBytes, isC4Id } from "./c4.js";
export { createMhlHasher, DEFAULT_MHL_ALGORITHM, hashFileMhl, isMhlAlgorithm, MHL_ALGORITHMS, normalizeDigest, type MhlAlgorithm, type MhlHasher } from "./hashes.js";
export { DEFAULT_MHL_IGNORE, mergeIgnorePatterns, mhlIgnoreMatcher } from "./ignore.js";
export { computeDirectoryHashes, MHL_CHAIN_FILE, MHL_FOLDER, writeGeneration, type GenerationResult, type MhlAction, type MhlFile, type WriteGenerationOptions } from "./mhl.js";
export {
  MhlFormatError,
  parseGeneration,
  readChain,
  readGeneration,
  type ChainEntry,
  type HashEntry,
  type MhlDirectoryRecord,
  type MhlFileRecord,
  type MhlGenerationDoc,
} from "./xml.js";
