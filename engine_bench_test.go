package rosync_test

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/memory"
	"github.com/rosync/rosync/storage/sqlite"
)

// BenchmarkEngineOrder measures the engine alone applying one new order
// (a new customer, three lines over a small catalogue): the RO App client
// is an in-process map (instantRO) and the platform the in-memory fake, so
// what is left is the Syncer's own work and the Store's. The figure for the
// whole importing process (adapter, HTTP client, JSON) comes from
// go run ./examples/bench -cpu.
func BenchmarkEngineOrder(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) rosync.Store
	}{
		{"memory", func(*testing.B) rosync.Store { return memory.New() }},
		{"sqlite", func(b *testing.B) rosync.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		}},
	}
	for _, st := range stores {
		b.Run("store="+st.name, func(b *testing.B) {
			ctx := context.Background()
			plat := newFakePlatform(basePolicy())
			plat.currency = "UAH"
			now := time.Now().UTC()
			store := &countingStore{Store: st.open(b)}
			s, err := rosync.New(plat, newInstantRO(), store, &rosync.Options{
				Shop: shopName, Now: func() time.Time { return now },
				Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA", BranchID: 1, OrderTypeID: 1},
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Connect(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			store.writes.Store(0)
			i := 0
			for b.Loop() {
				i++
				o := benchOrder(i, now)
				plat.put(o)
				if err := s.Sync(ctx, o.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(store.writes.Load())/float64(i), "store-writes/op")
		})
	}
}

// countingStore counts the Store's writes (each a commit on SQLite); it
// passes rosync.IdentitiesPutter through.
type countingStore struct {
	rosync.Store
	writes atomic.Int64
}

func (c *countingStore) PutRecord(ctx context.Context, r *rosync.Record) error {
	c.writes.Add(1)
	return c.Store.PutRecord(ctx, r)
}

func (c *countingStore) PutIdentity(ctx context.Context, key string, id rosync.Identity) error {
	c.writes.Add(1)
	return c.Store.PutIdentity(ctx, key, id)
}

func (c *countingStore) PutIdentities(ctx context.Context, keys []string, id rosync.Identity) error {
	c.writes.Add(1)
	return c.Store.(rosync.IdentitiesPutter).PutIdentities(ctx, keys, id)
}

// instantRO is an RO App account in a map, with no transport at all: only
// what the engine benchmark needs of it behaves (finds, creates, items,
// comments); it is not an emulator (roapptest is).
type instantRO struct {
	mu       sync.Mutex
	next     int64
	contacts map[string]int64 // phone or email -> id
	products map[string]int64
	cats     map[string]int64
	orders   map[int64]*rosync.ROOrder
	comments map[int64][]string
}

func newInstantRO() *instantRO {
	return &instantRO{next: 1000, contacts: map[string]int64{}, products: map[string]int64{}, cats: map[string]int64{},
		orders: map[int64]*rosync.ROOrder{}, comments: map[int64][]string{}}
}

func (r *instantRO) id() int64 { r.next++; return r.next }

func (r *instantRO) Company(context.Context) (rosync.Company, error) {
	return rosync.Company{Currency: "UAH"}, nil
}

func (r *instantRO) Statuses(context.Context) ([]rosync.ROStatus, error) {
	return []rosync.ROStatus{{ID: 1, Name: "New"}, {ID: 2, Name: "Closed"}}, nil
}

func (r *instantRO) FindContacts(_ context.Context, phone, email string) ([]rosync.Contact, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []rosync.Contact{}
	for _, k := range []string{phone, email} {
		if id, ok := r.contacts[k]; ok && k != "" {
			out = append(out, rosync.Contact{ID: id, Phones: []string{phone}, Email: email})
		}
	}
	return out, nil
}

func (r *instantRO) CreateContact(_ context.Context, c rosync.Contact) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.id()
	for _, p := range c.Phones {
		r.contacts[p] = id
	}
	if c.Email != "" {
		r.contacts[c.Email] = id
	}
	return id, nil
}

func (r *instantRO) UpdateContact(context.Context, rosync.Contact) error { return nil }

func (r *instantRO) FindProduct(_ context.Context, by rosync.IdentifyBy, v string) (rosync.ROProduct, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.products[string(by)+v]; ok {
		return rosync.ROProduct{ID: id}, nil
	}
	return rosync.ROProduct{}, rosync.ErrNotFound
}

func (r *instantRO) CreateProduct(_ context.Context, p rosync.ROProduct) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.id()
	r.products[string(rosync.IdentifyBySKU)+p.SKU] = id
	return id, nil
}

func (r *instantRO) FindCategory(_ context.Context, title string, parent int64) (rosync.ROCategory, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.cats[fmt.Sprint(parent, "/", title)]; ok {
		return rosync.ROCategory{ID: id, Title: title, ParentID: parent}, nil
	}
	return rosync.ROCategory{}, rosync.ErrNotFound
}

func (r *instantRO) CreateCategory(_ context.Context, c rosync.ROCategory) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.id()
	r.cats[fmt.Sprint(c.ParentID, "/", c.Title)] = id
	return id, nil
}

func (r *instantRO) CreateOrder(_ context.Context, o rosync.NewOrder) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.id()
	r.orders[id] = &rosync.ROOrder{ID: id, ClientID: o.ClientID, StatusID: 1, Ref: o.Ref, HasRef: true}
	return id, nil
}

func (r *instantRO) FindOrder(context.Context, rosync.OrderLookup) (rosync.ROOrder, error) {
	return rosync.ROOrder{}, rosync.ErrNotFound
}

func (r *instantRO) Order(_ context.Context, id int64) (rosync.ROOrder, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.orders[id]
	if !ok {
		return rosync.ROOrder{}, rosync.ErrNotFound
	}
	return *o, nil
}

func (r *instantRO) OrdersModified(context.Context, time.Time) iter.Seq2[rosync.ROOrder, error] {
	return func(func(rosync.ROOrder, error) bool) {}
}

func (r *instantRO) AddItem(_ context.Context, orderID int64, it rosync.ROItem) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	it.ID = r.id()
	o := r.orders[orderID]
	o.Items = append(o.Items, it)
	return it.ID, nil
}

func (r *instantRO) UpdateItem(context.Context, int64, rosync.ROItem) error { return nil }
func (r *instantRO) DeleteItem(context.Context, int64, int64) error         { return nil }

func (r *instantRO) AddComment(_ context.Context, orderID int64, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.comments[orderID] = append(r.comments[orderID], text)
	return nil
}

func (r *instantRO) Comments(_ context.Context, orderID int64) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.comments[orderID]...), nil
}

func (r *instantRO) SetStatus(_ context.Context, orderID, statusID int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orders[orderID].StatusID = statusID
	return nil
}
