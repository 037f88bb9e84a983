-- Who made each approval or revocation at the operating system (beside the name typed with
-- --by, which anyone could type), and the terms the studio rules ask of an approval:
-- escalation categories, performers' consents, its expiry, whether the use is a deepfake
-- (JSON, src/domain/approval-terms.ts). Nullable: the history chain hashes rows without them.
ALTER TABLE approvals ADD COLUMN account TEXT;
ALTER TABLE approvals ADD COLUMN host TEXT;
ALTER TABLE approvals ADD COLUMN terms TEXT;
