-- 0008: the flips and rotations of each fingerprinted picture, so a mirrored or rotated
-- copy of a GenAI still is found (as PDQ matches: the probe's 8 orientations looked up).
-- The 7 turned hashes (src/domain/phash.ts DIHEDRAL order, identity left out), 16 hex
-- digits each, concatenated: exact, from the picture's DCT coefficients at fingerprinting.
-- Only probes read them; the chunk indexes stay one row per picture. NULL for rows made
-- before (their turns are derived from the hash's bits, a few bits less exact).
ALTER TABLE fingerprints ADD COLUMN turns TEXT;
