package service

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/storage/postgres"
)

// accountLimiter is the RO App rate limit shared by every replica of the
// service on one PostgreSQL database (ENG-3: the limit is per account, so
// N replicas each with its own limiter would send N times too much): a
// live-first roapp.PriorityLimiter over the account's slots in the
// database (postgres.Store.AccountSlots). The account is named by a hash
// of the API key, so that the key itself is never stored; every replica
// must run with the same requests_per_second.
func accountLimiter(st *postgres.Store, cfg ROAppConfig) (*roapp.PriorityLimiter, error) {
	rps := cfg.RequestsPerSecond
	if rps <= 0 {
		rps = roapp.DefaultRequestsPerSecond
	}
	slots, err := st.AccountSlots(accountName(cfg.APIKey), rps, nil)
	if err != nil {
		return nil, err
	}
	return roapp.NewPriorityLimiter(slots), nil
}

// accountName names the RO App account of apiKey in the account_slots
// table: "roapp-" and the first 16 hex digits of its SHA-256.
func accountName(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return "roapp-" + hex.EncodeToString(sum[:8])
}
