package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

func testIdentity(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	const (
		phone = "contact/phone/+380501112233"
		sku   = "product/sku/ABC-1"
	)
	want := rosync.Identity{ID: 501, Hash: "h1"}
	requireAllSet(t, want)
	require.NoError(t, s.PutIdentity(ctx, phone, want))
	require.NoError(t, s.PutIdentity(ctx, sku, rosync.Identity{ID: 777}))

	got, err := s.Identity(ctx, phone)
	require.NoError(t, err)
	if d := diff(want, got); d != "" {
		t.Errorf("Identity after PutIdentity (-want +got):\n%s", d)
	}

	// PutIdentity replaces the entry, an empty hash included.
	want = rosync.Identity{ID: 502}
	require.NoError(t, s.PutIdentity(ctx, phone, want))
	got, err = s.Identity(ctx, phone)
	require.NoError(t, err)
	if d := diff(want, got); d != "" {
		t.Errorf("Identity after replacing PutIdentity (-want +got):\n%s", d)
	}

	// Other keys are untouched; keys are exact (no prefix or case folding).
	got, err = s.Identity(ctx, sku)
	require.NoError(t, err)
	if d := diff(rosync.Identity{ID: 777}, got); d != "" {
		t.Errorf("Identity(%q) (-want +got):\n%s", sku, d)
	}
	for _, key := range []string{"product/sku/abc-1", "product/sku/ABC", "product/sku/ABC-1 "} {
		if _, err := s.Identity(ctx, key); !errors.Is(err, rosync.ErrNotFound) {
			t.Errorf("Identity(%q): error = %v, want ErrNotFound", key, err)
		}
	}
}

// testPutIdentities checks the optional rosync.IdentitiesPutter: every key
// gets the identity, other keys keep theirs, a key given twice is fine.
func testPutIdentities(t *testing.T, s rosync.Store) {
	b, ok := s.(rosync.IdentitiesPutter)
	if !ok {
		t.Skip("the Store does not implement rosync.IdentitiesPutter")
	}
	ctx := t.Context()
	keys := []string{"contact/phone/+380671112233", "contact/email/a@example.com", "contact/phone/+380671112233"}
	require.NoError(t, s.PutIdentity(ctx, "contact/email/other@example.com", rosync.Identity{ID: 9}))
	require.NoError(t, b.PutIdentities(ctx, keys, rosync.Identity{Hash: "pending"}))
	want := rosync.Identity{ID: 601, Hash: "h6"}
	require.NoError(t, b.PutIdentities(ctx, keys, want))
	for _, k := range keys {
		got, err := s.Identity(ctx, k)
		require.NoError(t, err)
		if d := diff(want, got); d != "" {
			t.Errorf("Identity(%q) after PutIdentities (-want +got):\n%s", k, d)
		}
	}
	got, err := s.Identity(ctx, "contact/email/other@example.com")
	require.NoError(t, err)
	require.EqualValues(t, 9, got.ID, "PutIdentities changed a key it was not given")
}

func testShopState(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC-5", -5*60*60)
	base := time.Date(2026, 9, 27, 8, 0, 0, 987654321, zone)
	want := rosync.ShopState{
		Shop:        "shop-a",
		ConnectedAt: base,
		ImportedAt:  base.Add(time.Hour + 3),
		PollCursor:  base.Add(2*time.Hour + 5),
		ROCursor:    base.Add(3*time.Hour + 7),
	}
	requireAllSet(t, want)
	require.NoError(t, s.PutShopState(ctx, want))
	other := rosync.ShopState{Shop: "shop-b", ConnectedAt: base}
	require.NoError(t, s.PutShopState(ctx, other))

	got, err := s.ShopState(ctx, "shop-a")
	require.NoError(t, err)
	if d := diff(want, got); d != "" {
		t.Errorf("ShopState after PutShopState (-want +got):\n%s", d)
	}
	for name, tm := range map[string]time.Time{"ConnectedAt": got.ConnectedAt, "ImportedAt": got.ImportedAt,
		"PollCursor": got.PollCursor, "ROCursor": got.ROCursor} {
		if tm.Location() != time.UTC {
			t.Errorf("ShopState.%s = %v, not in UTC", name, tm)
		}
	}

	// PutShopState replaces: the initial import has not finished again.
	want = rosync.ShopState{Shop: "shop-a", ConnectedAt: base, PollCursor: base.Add(time.Minute)}
	require.NoError(t, s.PutShopState(ctx, want))
	got, err = s.ShopState(ctx, "shop-a")
	require.NoError(t, err)
	if d := diff(want, got); d != "" {
		t.Errorf("ShopState after replacing PutShopState (-want +got):\n%s", d)
	}
	if !got.ImportedAt.IsZero() || !got.ROCursor.IsZero() {
		t.Errorf("ShopState kept times the replacement left zero: %+v", got)
	}

	got, err = s.ShopState(ctx, "shop-b")
	require.NoError(t, err)
	if d := diff(other, got); d != "" {
		t.Errorf("other shop's state (-want +got):\n%s", d)
	}
}

func testSeenEvent(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	steps := []struct {
		shop, event string
		want        bool
	}{
		{"shop-a", "evt-1", false},
		{"shop-a", "evt-1", true}, // a redelivery
		{"shop-a", "evt-1", true},
		{"shop-b", "evt-1", false}, // per shop
		{"shop-b", "evt-1", true},
		{"shop-a", "evt-2", false},
		{"shop-a", "EVT-2", false}, // ids are exact
		{"shop-a", "evt-2", true},
	}
	for i, st := range steps {
		got, err := s.SeenEvent(ctx, st.shop, st.event)
		require.NoError(t, err)
		if got != st.want {
			t.Errorf("step %d: SeenEvent(%s, %s) = %v, want %v", i, st.shop, st.event, got, st.want)
		}
	}
}

// testSeenEventConcurrent checks that SeenEvent is atomic: of many
// concurrent deliveries of one webhook, exactly one is new (ENG-1).
func testSeenEventConcurrent(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	const n = 16
	for round := range 3 {
		event := fmt.Sprintf("evt-%d", round)
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			fresh int
			errs  []error
		)
		for range n {
			wg.Go(func() {
				seen, err := s.SeenEvent(ctx, "shop-a", event)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				}
				if !seen && err == nil {
					fresh++
				}
			})
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		if fresh != 1 {
			t.Errorf("%d concurrent SeenEvent(%s): %d reported it new, want exactly 1", n, event, fresh)
		}
	}
}
