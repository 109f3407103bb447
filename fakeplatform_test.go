package rosync_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"sort"
	"sync"

	"github.com/rosync/rosync"
)

// fakePlatform is a Platform over orders held in memory, for engine tests
// that need a policy of their own. Webhook bodies are {"id":"…"} signed
// with hex HMAC-SHA256 in X-Test-Signature.
type fakePlatform struct {
	name     string
	currency string
	timezone string // ShopInfo.Timezone
	secret   string
	policy   rosync.Policy

	mu      sync.Mutex
	orders  map[string]rosync.Order
	pushes  []string // "id=status"
	fetches int
	lists   int // Orders calls
	// statusCalls counts every SetStatus call, the unsupported ones too.
	statusCalls int
	// lostPushes makes that many SetStatus calls fail with an answer
	// lost on the way (rosync.AmbiguousError); pushLands says whether
	// the platform set the status all the same.
	lostPushes int
	pushLands  bool
	// queries records every Orders query; during, when set, runs once
	// after the first order a stream yields (time passing in an import).
	queries []rosync.Query
	during  func()
	// broken holds the error Order returns for an id instead of the order
	// (an *rosync.InvalidOrderError for undecodable data).
	broken map[string]error
}

func newFakePlatform(policy rosync.Policy) *fakePlatform {
	return &fakePlatform{name: "fake", currency: "UAH", secret: "fake-secret", policy: policy, orders: map[string]rosync.Order{}}
}

var _ rosync.Platform = (*fakePlatform)(nil)

func (f *fakePlatform) Name() string          { return f.name }
func (f *fakePlatform) Policy() rosync.Policy { return f.policy }

func (f *fakePlatform) Shop(context.Context) (rosync.ShopInfo, error) {
	return rosync.ShopInfo{Currency: f.currency, Timezone: f.timezone}, nil
}

func (f *fakePlatform) put(o rosync.Order) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o.Platform == "" {
		o.Platform = f.name
	}
	if o.UpdatedAt.IsZero() {
		o.UpdatedAt = o.CreatedAt
	}
	// The fake states the product total as a platform does: what its lines
	// amount to. Order.Validate's check of a wrong total is tested on its
	// own and through the real adapters.
	o.Total = o.LinesTotal()
	f.orders[o.ID] = o
}

func (f *fakePlatform) Orders(_ context.Context, q rosync.Query) iter.Seq2[rosync.Order, error] {
	f.mu.Lock()
	f.lists++
	f.queries = append(f.queries, q)
	during := f.during
	f.during = nil
	var out []rosync.Order
	for _, o := range f.orders {
		if !q.CreatedSince.IsZero() && o.CreatedAt.Before(q.CreatedSince) {
			continue
		}
		if !q.UpdatedSince.IsZero() && o.UpdatedAt.Before(q.UpdatedSince) {
			continue
		}
		// Until bounds the creation of an import, the modification of a
		// poll (rosync.Query).
		if !q.Until.IsZero() {
			if !q.UpdatedSince.IsZero() && o.UpdatedAt.After(q.Until) {
				continue
			}
			if q.UpdatedSince.IsZero() && o.CreatedAt.After(q.Until) {
				continue
			}
		}
		out = append(out, o)
	}
	f.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return func(yield func(rosync.Order, error) bool) {
		for i, o := range out {
			if !yield(o, nil) {
				return
			}
			if i == 0 && during != nil {
				during()
			}
		}
	}
}

func (f *fakePlatform) Order(_ context.Context, id string) (rosync.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	if err := f.broken[id]; err != nil {
		return rosync.Order{}, err
	}
	o, ok := f.orders[id]
	if !ok {
		return rosync.Order{}, fmt.Errorf("fake order %s: %w", id, rosync.ErrNotFound)
	}
	return o, nil
}

func (f *fakePlatform) sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(f.secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (f *fakePlatform) VerifyWebhook(r *http.Request) (rosync.Hint, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil {
		return rosync.Hint{}, err
	}
	if len(body) > 1<<20 {
		return rosync.Hint{}, rosync.ErrBodyTooLarge
	}
	got, _ := hex.DecodeString(r.Header.Get("X-Test-Signature"))
	want, _ := hex.DecodeString(f.sign(body))
	if !hmac.Equal(got, want) {
		return rosync.Hint{}, rosync.ErrSignature
	}
	var v struct{ ID string }
	if err := json.Unmarshal(body, &v); err != nil {
		return rosync.Hint{}, err
	}
	return rosync.Hint{OrderID: v.ID, EventID: r.Header.Get("X-Test-Event"), Topic: "order"}, nil
}

func (f *fakePlatform) SetStatus(_ context.Context, id, status string) (err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusCalls++
	if !f.policy.StatusSync.ToPlatform() {
		return rosync.ErrUnsupported
	}
	lost := f.lostPushes > 0
	if lost {
		f.lostPushes--
		if !f.pushLands {
			return &rosync.AmbiguousError{Err: errors.New("status push: answer lost, not executed")}
		}
		defer func() { err = &rosync.AmbiguousError{Err: errors.New("status push: executed, answer lost")} }()
	}
	f.pushes = append(f.pushes, id+"="+status)
	if o, ok := f.orders[id]; ok {
		o.Status = status
		f.orders[id] = o
	}
	return nil
}

func (f *fakePlatform) pushed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.pushes...)
}
