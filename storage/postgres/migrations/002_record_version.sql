-- 002_record_version: records carry a version, so that PutRecord is a
-- compare-and-swap (rosync.Record.Version): a write based on a stale read
-- (a replica whose lock was lost while another took the order over) fails
-- instead of overwriting the newer record. Records written before this
-- migration start at version 1.
ALTER TABLE records ADD COLUMN version bigint NOT NULL DEFAULT 1;
