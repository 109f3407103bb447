// Package keylock provides exclusive per-key locks whose waits honour a
// context, shared by the in-process stores.
package keylock

import (
	"context"
	"fmt"
	"sync"
)

// Set is a set of exclusive per-key locks whose waits honour a
// context. Each held key has an entry with a one-slot channel: holding the
// lock is having put the token in the slot. Entries are reference-counted
// by holders and waiters and removed when the last one leaves, so the map
// holds only keys in use.
type Set struct {
	mu   sync.Mutex
	keys map[string]*keyLock
}

type keyLock struct {
	slot chan struct{} // capacity 1: full while held
	refs int           // holders and waiters; guarded by Set.mu
}

// Lock takes the lock on key, waiting until it is free or ctx is done, in
// which case it returns an error wrapping ctx.Err(). The error does not
// name the key: keys may hold a customer's phone or email. The returned func
// releases the lock; calls after the first do nothing.
func (l *Set) Lock(ctx context.Context, key string) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("keylock: waiting for a lock: %w", err)
	}
	l.mu.Lock()
	if l.keys == nil {
		l.keys = make(map[string]*keyLock)
	}
	k := l.keys[key]
	if k == nil {
		k = &keyLock{slot: make(chan struct{}, 1)}
		l.keys[key] = k
	}
	k.refs++
	l.mu.Unlock()

	select {
	case k.slot <- struct{}{}:
	case <-ctx.Done():
		l.release(key, k)
		return nil, fmt.Errorf("keylock: waiting for a lock: %w", ctx.Err())
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-k.slot
			l.release(key, k)
		})
	}, nil
}

// release drops one reference to k and forgets the key with the last one.
func (l *Set) release(key string, k *keyLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k.refs--
	if k.refs == 0 {
		delete(l.keys, key)
	}
}
