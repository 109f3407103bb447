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

func mirrorOf(t *testing.T, s rosync.Store) rosync.Mirror {
	t.Helper()
	m, ok := s.(rosync.Mirror)
	if !ok {
		t.Skip("the Store does not implement rosync.Mirror")
	}
	return m
}

// testMirrorContacts checks the contacts of the optional rosync.Mirror:
// found by id, phone or email, by ascending id, replaced whole by a later
// put (an old phone or email no longer finds the contact), values exact.
func testMirrorContacts(t *testing.T, s rosync.Store) {
	m := mirrorOf(t, s)
	ctx := t.Context()
	got, err := m.MirrorContacts(ctx, 0, "+380501112233", "olena@example.com")
	require.NoError(t, err)
	require.Empty(t, got, "an empty mirror finds nothing")

	require.NoError(t, m.PutMirrorContacts(ctx, []rosync.Contact{
		{ID: 9, Email: "olena@example.com", Phones: []string{"+380501112233", "+380671112233"}, FirstName: "not kept"},
		{ID: 7, Email: "olena@example.com"},
		{ID: 8, Phones: []string{"+380501112233"}},
		{ID: 10},
	}))
	olena := rosync.Contact{ID: 9, Email: "olena@example.com", Phones: []string{"+380501112233", "+380671112233"}}
	tests := []struct {
		name         string
		id           int64
		phone, email string
		want         []rosync.Contact
	}{
		{"phone", 0, "+380501112233", "", []rosync.Contact{{ID: 8, Phones: []string{"+380501112233"}}, olena}},
		{"second phone", 0, "+380671112233", "", []rosync.Contact{olena}},
		{"email", 0, "", "olena@example.com", []rosync.Contact{{ID: 7, Email: "olena@example.com"}, olena}},
		{"phone or email, each once, ascending", 0, "+380671112233", "olena@example.com",
			[]rosync.Contact{{ID: 7, Email: "olena@example.com"}, olena}},
		{"id", 10, "", "", []rosync.Contact{{ID: 10}}},
		{"id and phone", 10, "+380671112233", "", []rosync.Contact{olena, {ID: 10}}},
		{"unknown id", 11, "", "", nil},
		{"exact email", 0, "", "Olena@example.com", nil},
		{"exact phone", 0, "380501112233", "", nil},
		{"empty selects nothing", 0, "", "", nil},
	}
	for _, tt := range tests {
		got, err := m.MirrorContacts(ctx, tt.id, tt.phone, tt.email)
		require.NoError(t, err, tt.name)
		if d := diff(tt.want, got); d != "" {
			t.Errorf("%s: MirrorContacts(%d, %q, %q) (-want +got):\n%s", tt.name, tt.id, tt.phone, tt.email, d)
		}
	}

	// A later put replaces the contact: its old phone and email no longer
	// find it (CUS-3 matches what RO App has now).
	require.NoError(t, m.PutMirrorContacts(ctx, []rosync.Contact{{ID: 9, Email: "new@example.com", Phones: []string{"+380931112233"}}}))
	for _, q := range [][2]string{{"+380671112233", ""}, {"", "olena@example.com"}} {
		got, err := m.MirrorContacts(ctx, 0, q[0], q[1])
		require.NoError(t, err)
		for _, c := range got {
			if c.ID == 9 {
				t.Errorf("MirrorContacts(%q, %q) still finds contact 9 by what a later put removed", q[0], q[1])
			}
		}
	}
	got, err = m.MirrorContacts(ctx, 0, "+380931112233", "new@example.com")
	require.NoError(t, err)
	if d := diff([]rosync.Contact{{ID: 9, Email: "new@example.com", Phones: []string{"+380931112233"}}}, got); d != "" {
		t.Errorf("MirrorContacts after a replacing put (-want +got):\n%s", d)
	}
	require.NoError(t, m.PutMirrorContacts(ctx, nil), "an empty put is no error")
}

// testMirrorProducts checks the products of the optional rosync.Mirror:
// by title, SKU or code, the lowest id, exact values, replaced whole.
func testMirrorProducts(t *testing.T, s rosync.Store) {
	m := mirrorOf(t, s)
	ctx := t.Context()
	_, err := m.MirrorProduct(ctx, rosync.IdentifyBySKU, "PH-1")
	require.ErrorIs(t, err, rosync.ErrNotFound)

	require.NoError(t, m.PutMirrorProducts(ctx, []rosync.ROProduct{
		{ID: 12, Title: "Phone X", SKU: "PH-1", Code: "C-12", Description: "not kept"},
		{ID: 11, Title: "Phone X", SKU: "PH-2"},
		{ID: 13, Title: "Case", SKU: "PH-1"},
	}))
	tests := []struct {
		by    rosync.IdentifyBy
		value string
		want  int64 // 0: not found
	}{
		{rosync.IdentifyBySKU, "PH-1", 12},
		{rosync.IdentifyBySKU, "PH-2", 11},
		{rosync.IdentifyByName, "Phone X", 11},
		{rosync.IdentifyByName, "Case", 13},
		{rosync.IdentifyByID, "C-12", 12},
		{rosync.IdentifyBySKU, "ph-1", 0},
		{rosync.IdentifyBySKU, "Phone X", 0},
		{rosync.IdentifyByID, "", 0},
		{rosync.IdentifyByName, "", 0},
	}
	for _, tt := range tests {
		got, err := m.MirrorProduct(ctx, tt.by, tt.value)
		if tt.want == 0 {
			if !errors.Is(err, rosync.ErrNotFound) {
				t.Errorf("MirrorProduct(%s, %q) = %+v, %v; want ErrNotFound", tt.by, tt.value, got, err)
			}
			continue
		}
		require.NoError(t, err, "MirrorProduct(%s, %q)", tt.by, tt.value)
		if got.ID != tt.want {
			t.Errorf("MirrorProduct(%s, %q).ID = %d, want %d", tt.by, tt.value, got.ID, tt.want)
		}
	}
	got, err := m.MirrorProduct(ctx, rosync.IdentifyByID, "C-12")
	require.NoError(t, err)
	if d := diff(rosync.ROProduct{ID: 12, Title: "Phone X", SKU: "PH-1", Code: "C-12"}, got); d != "" {
		t.Errorf("MirrorProduct (-want +got):\n%s", d)
	}
	// A later put replaces the product: its old SKU finds the next one.
	require.NoError(t, m.PutMirrorProducts(ctx, []rosync.ROProduct{{ID: 12, Title: "Phone X", SKU: "PH-9"}}))
	got, err = m.MirrorProduct(ctx, rosync.IdentifyBySKU, "PH-1")
	require.NoError(t, err)
	require.EqualValues(t, 13, got.ID, "an old SKU still finds the product a later put changed")
	_, err = m.MirrorProduct(ctx, rosync.IdentifyByID, "C-12")
	require.ErrorIs(t, err, rosync.ErrNotFound, "an old code still finds the product a later put changed")
	require.NoError(t, m.PutMirrorProducts(ctx, nil), "an empty put is no error")
}

// testMirroredUpTo checks the per-list "mirrored up to" time: zero until
// set, kept per kind, in UTC to the microsecond.
func testMirroredUpTo(t *testing.T, s rosync.Store) {
	m := mirrorOf(t, s)
	ctx := t.Context()
	for _, k := range []rosync.MirrorKind{rosync.MirrorContacts, rosync.MirrorProducts} {
		got, err := m.MirroredUpTo(ctx, k)
		require.NoError(t, err)
		require.True(t, got.IsZero(), "%s: mirrored up to %v before any set", k, got)
	}
	at := time.Date(2026, 11, 27, 14, 0, 0, 123456000, time.FixedZone("UTC+2", 2*60*60))
	require.NoError(t, m.SetMirroredUpTo(ctx, rosync.MirrorContacts, at))
	got, err := m.MirroredUpTo(ctx, rosync.MirrorContacts)
	require.NoError(t, err)
	require.True(t, got.Equal(at), "got %v, want %v", got, at)
	require.Equal(t, time.UTC, got.Location())
	other, err := m.MirroredUpTo(ctx, rosync.MirrorProducts)
	require.NoError(t, err)
	require.True(t, other.IsZero(), "setting contacts set products too")
	require.NoError(t, m.SetMirroredUpTo(ctx, rosync.MirrorContacts, at.Add(time.Hour)))
	got, err = m.MirroredUpTo(ctx, rosync.MirrorContacts)
	require.NoError(t, err)
	require.True(t, got.Equal(at.Add(time.Hour)))
}

// testMirrorConcurrent puts and reads contacts from several goroutines.
func testMirrorConcurrent(t *testing.T, s rosync.Store) {
	m := mirrorOf(t, s)
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 10 {
				id := int64(100*g + i + 1)
				phone := fmt.Sprintf("+3805011%05d", id)
				if err := m.PutMirrorContacts(ctx, []rosync.Contact{{ID: id, Phones: []string{phone}}}); err != nil {
					t.Error(err)
					return
				}
				got, err := m.MirrorContacts(ctx, 0, phone, "")
				if err != nil || len(got) != 1 || got[0].ID != id {
					t.Errorf("MirrorContacts(%s) = %v, %v; want contact %d", phone, got, err, id)
					return
				}
			}
		})
	}
	wg.Wait()
}
