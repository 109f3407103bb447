-- 002_record_version: records carry a version, so that PutRecord is a
-- compare-and-swap (rosync.Record.Version): a write based on a stale read
-- fails instead of overwriting a newer record. Records written before this
-- migration start at version 1.
ALTER TABLE records ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
