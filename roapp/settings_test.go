package roapp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestBranchesAndOrderTypes: the client lists the emulator's locations and
// order types (rosync.BranchLister, rosync.OrderTypeLister).
func TestBranchesAndOrderTypes(t *testing.T) {
	ctx := context.Background()
	seed := baseSeed()
	seed.Locations = []roapptest.Location{{ID: 3, Name: "Kyiv"}, {ID: 4, Name: "Lviv"}}
	seed.OrderTypes = []roapptest.OrderType{{ID: 1, Name: "Online store"}, {ID: 2, Name: "Repair"}}
	_, c := newEmulator(t, seed, nil, nil)
	var _ rosync.BranchLister = c
	var _ rosync.OrderTypeLister = c
	bs, err := c.Branches(ctx)
	require.NoError(t, err)
	require.Equal(t, []rosync.ROBranch{{ID: 3, Name: "Kyiv"}, {ID: 4, Name: "Lviv"}}, bs)
	ts, err := c.OrderTypes(ctx)
	require.NoError(t, err)
	require.Equal(t, []rosync.ROOrderType{{ID: 1, Name: "Online store"}, {ID: 2, Name: "Repair"}}, ts)
}

// TestSettingsListShapes: the answers' shapes are UNVERIFIED, so the lists
// are read bare, data-wrapped or paged, with name or title, and records of
// another shape are skipped rather than failing (Connect then leaves the
// setting unchecked when nothing was read).
func TestSettingsListShapes(t *testing.T) {
	tests := []struct {
		name, body string
		want       []rosync.ROBranch
	}{
		{"bare", `[{"id":1,"name":"Main"},{"id":"2","title":"Second"}]`, []rosync.ROBranch{{ID: 1, Name: "Main"}, {ID: 2, Name: "Second"}}},
		{"data", `{"data":[{"id":1,"name":"Main","address":"x"}]}`, []rosync.ROBranch{{ID: 1, Name: "Main"}}},
		{"paged", `{"data":[{"id":5,"title":"T"}],"paging":{"page":1,"total_pages":1,"count":1,"limit":50}}`, []rosync.ROBranch{{ID: 5, Name: "T"}}},
		{"odd records", `[{"id":1,"name":"Main"},"text",{"name":"no id"},{"id":{"x":1}}]`, []rosync.ROBranch{{ID: 1, Name: "Main"}}},
		{"none readable", `[{"location_id":1}]`, []rosync.ROBranch{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			c := roapp.New(testKey, fastOptions(srv.URL))
			bs, err := c.Branches(context.Background())
			require.NoError(t, err)
			require.Equal(t, tc.want, bs)
			ts, err := c.OrderTypes(context.Background())
			require.NoError(t, err)
			require.Len(t, ts, len(tc.want))
		})
	}
}
