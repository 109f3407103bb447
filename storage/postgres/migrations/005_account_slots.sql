-- 005_account_slots: one RO App account's rate limit shared by replicas
-- (Store.AccountSlots). next_at is the first request slot of the account
-- that no replica has claimed yet, in the server's clock; a replica claims
-- a batch of slots spaced 1/R apart by moving it forward in one UPDATE.
CREATE TABLE account_slots (
	account text PRIMARY KEY,
	next_at timestamptz NOT NULL
);
