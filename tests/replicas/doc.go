// Package replicas is the end-to-end test of rosync running as several
// replicas of one host application on one PostgreSQL database
// (storage/postgres): four Syncers, each with its own Store pool, RO App
// client and WooCommerce adapter, share one RO App emulator and one fake
// WooCommerce shop, receive the same webhooks at once and poll at once.
// It checks ENG-1 across processes: one RO App order per platform order,
// one contact per customer, one product per SKU. TestReplicasLockLoss
// terminates a replica's lock connection while its create is in flight and
// checks that the replica that takes over is not overwritten (fenced
// locks, PutRecord's compare-and-swap).
//
// The package has tests only. They need a PostgreSQL server: `bash
// scripts/test.sh` starts one, or set ROSYNC_TEST_POSTGRES_DSN (see
// storage/postgres/postgrestest).
package replicas
