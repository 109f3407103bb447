package rosync

import (
	"context"
	"errors"
	"fmt"
)

// ErrLockLost means a lock held through a FencedLocker was lost while held
// (storage/postgres: its database session ended): another process may hold
// it now. The work done under it stops; it is transient, retried later.
var ErrLockLost = errors.New("rosync: lock lost")

// FencedLocker is an optional capability of a Store whose locks can be lost
// while held: storage/postgres holds a lock for as long as its database
// session lives, and a failover or a network blip ends the session. The
// Syncer takes every order's lock through it when the Store has it:
//   - the order's work runs under HeldLock.Context, so a lock found lost
//     stops the order's calls in flight and its later writes;
//   - right before each create in RO App (the order, a contact, a product,
//     a category) it calls HeldLock.Check, and creates nothing unless the
//     lock is held, so that two replicas do not both create the object.
//
// A Store whose locks are never lost while the process lives (storage/memory,
// storage/sqlite) need not implement it. Fencing does not close every gap: a
// lock lost while a create is in flight is learned after the create was
// sent; Store.PutRecord's compare-and-swap then keeps the stale replica from
// overwriting the record of the replica that took over.
type FencedLocker interface {
	// LockFenced takes the lock on key as Store.Lock does (the same lock:
	// one taken with Lock excludes one taken with LockFenced), waiting until
	// it is free or ctx is done, and returns it held.
	LockFenced(ctx context.Context, key string) (HeldLock, error)
}

// HeldLock is a lock taken with FencedLocker.LockFenced. Its methods are
// safe for concurrent use.
type HeldLock interface {
	// Context returns a context derived from the ctx given to LockFenced
	// (its values and deadline included). It is cancelled, with a cause
	// wrapping ErrLockLost (context.Cause), as soon as the Store learns
	// that the lock is lost, and when Unlock is called.
	Context() context.Context
	// Check reports whether the lock is still held, asking the lock's
	// server when the Store cannot know otherwise: nil when it is, an
	// error wrapping ErrLockLost when it is not (Context is then cancelled
	// too), or ctx's error. The caller must treat any error as "not held".
	Check(ctx context.Context) error
	// Unlock releases the lock; calls after the first do nothing.
	Unlock()
}

// heldLockKey is the context key of the order lock held by the work in a
// context (a HeldLock).
type heldLockKey struct{}

// lockOrder takes the lock of an order, through FencedLocker when the Store
// has it. The returned context is the one the order's work runs under: the
// lock's context, which carries the lock for checkLock.
func (s *Syncer) lockOrder(ctx context.Context, key string) (context.Context, func(), error) {
	if fl, ok := s.store.(FencedLocker); ok {
		hl, err := fl.LockFenced(ctx, key)
		if err != nil {
			return nil, nil, err
		}
		return context.WithValue(hl.Context(), heldLockKey{}, hl), hl.Unlock, nil
	}
	unlock, err := s.store.Lock(ctx, key)
	return ctx, unlock, err
}

// checkLock is called right before each create in RO App: it returns nil
// when the order lock that ctx carries is still held (or ctx carries none:
// the Store's locks are never lost), and otherwise an error wrapping
// ErrLockLost: the create must not be made, another replica may be making
// it.
func checkLock(ctx context.Context) error {
	hl, ok := ctx.Value(heldLockKey{}).(HeldLock)
	if !ok {
		return nil
	}
	if err := hl.Check(ctx); err != nil {
		if errors.Is(err, ErrLockLost) {
			return fmt.Errorf("rosync: nothing created: %w%.0w", err, errNotSent)
		}
		return fmt.Errorf("rosync: nothing created: %w: the lock could not be checked: %v%.0w", ErrLockLost, err, errNotSent)
	}
	return nil
}

// lockLost returns the error an attempt ends with when its order lock was
// lost (ctx is the lock's context), or nil. It wraps ErrLockLost but not
// the error the loss caused (a cancelled call), so that the attempt counts
// as transient and is retried, not as a permanent failure.
func lockLost(ctx context.Context, orderID string, ferr error) error {
	cause := context.Cause(ctx)
	if ferr == nil || !errors.Is(cause, ErrLockLost) {
		return nil
	}
	return fmt.Errorf("rosync: order %s: the attempt stopped, its lock was lost: %w (%v)", orderID, cause, ferr)
}

// isStoreConflict reports whether err is a Store write that lost a
// compare-and-swap: another replica wrote the record since it was read.
func isStoreConflict(err error) bool {
	var se *storeError
	return errors.As(err, &se) && errors.Is(se, ErrConflict)
}

// conflicted ends an attempt whose record another replica wrote meanwhile
// (a lock lost unnoticed): nothing more is written, here or in RO App; the
// record is read again for the log. The order is not lost (the other
// replica's record stands) and the returned error is transient.
func (s *Syncer) conflicted(ctx context.Context, orderID string, err error) error {
	attrs := []any{"order", orderID, "err", err}
	if now, rerr := s.store.Record(ctx, s.shop, orderID); rerr == nil {
		attrs = append(attrs, "state", now.State, "version", now.Version, "ro_order", now.ROOrderID)
	}
	s.log.WarnContext(ctx, "another replica wrote the order's record during this attempt; the attempt stopped", attrs...)
	return fmt.Errorf("rosync: order %s: another replica wrote its record during this attempt, which stopped: %w", orderID, ErrConflict)
}
