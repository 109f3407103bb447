package rosync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestEngine_BranchAndOrderTypeChecked: Connect refuses a BranchID or an
// OrderTypeID the RO App account does not have, once, with a
// *SettingError naming the setting and the ids that exist, instead of
// failing every order; it creates nothing.
func TestEngine_BranchAndOrderTypeChecked(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*rosync.Settings)
		setting string
		value   int64
		listed  []rosync.SettingOption
		text    string
	}{
		{"unknown branch", func(s *rosync.Settings) { s.BranchID = 42 }, "BranchID", 42,
			[]rosync.SettingOption{{ID: 1, Name: "Main"}, {ID: 2, Name: "Warehouse"}}, "BranchID 42 is no location of the RO App account"},
		{"unset branch", func(s *rosync.Settings) { s.BranchID = 0 }, "BranchID", 0,
			[]rosync.SettingOption{{ID: 1, Name: "Main"}, {ID: 2, Name: "Warehouse"}}, "BranchID is not set"},
		{"unknown order type", func(s *rosync.Settings) { s.OrderTypeID = 9 }, "OrderTypeID", 9,
			[]rosync.SettingOption{{ID: 1, Name: "Online store"}}, "OrderTypeID 9 is no order type of the RO App account"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, basePolicy(), withoutConnect(), withSettings(tc.edit), withSeed(func(s *roapptest.Seed) {
				s.Locations = []roapptest.Location{{ID: 1, Name: "Main"}, {ID: 2, Name: "Warehouse"}}
			}))
			e.addOrder(newOrder("1001", t0))
			err := e.syncer.Connect(context.Background())
			var se *rosync.SettingError
			require.ErrorAs(t, err, &se, "Connect must refuse the setting with a *SettingError")
			require.Equal(t, tc.setting, se.Setting)
			require.Equal(t, tc.value, se.Value)
			require.Equal(t, tc.listed, se.Options, "the error lists the ids the account has")
			require.ErrorContains(t, err, tc.text)
			require.ErrorContains(t, err, fmt.Sprintf("%d (%s)", tc.listed[0].ID, tc.listed[0].Name))
			require.False(t, rosync.Retryable(err), "a wrong setting is permanent")
			require.Zero(t, e.calls("POST /orders"), "nothing is created with a wrong setting")
		})
	}
}

// TestEngine_AssigneeSettingError: the assignee check of Connect returns
// the same typed error.
func TestEngine_AssigneeSettingError(t *testing.T) { // PRD-6
	e := newEnv(t, basePolicy(), withoutConnect(), withSettings(func(s *rosync.Settings) { s.AssigneeID = 999 }))
	var se *rosync.SettingError
	require.ErrorAs(t, e.syncer.Connect(context.Background()), &se)
	require.Equal(t, "AssigneeID", se.Setting)
	require.Equal(t, []rosync.SettingOption{{ID: roapptest.DefaultEmployee.ID, Name: "Emulator User"}}, se.Options)
}

// settingsListRO is an ROClient whose settings lists answer as told.
type settingsListRO struct {
	rosync.ROClient
	branches []rosync.ROBranch
	types    []rosync.ROOrderType
	err      error
}

func (l settingsListRO) Branches(context.Context) ([]rosync.ROBranch, error) {
	return l.branches, l.err
}
func (l settingsListRO) OrderTypes(context.Context) ([]rosync.ROOrderType, error) {
	return l.types, l.err
}

// TestEngine_SettingsListUnreadable: the lists' shapes are UNVERIFIED, so a
// list that is not served, refused or read empty leaves the setting
// unchecked and Connect goes on (the import runs, as without the check);
// a transient failure fails Connect, to be called again.
func TestEngine_SettingsListUnreadable(t *testing.T) {
	notServed := &rosync.APIError{Service: "roapp", Method: "GET", Path: "/company/locations", Status: http.StatusNotFound, Err: rosync.ErrNotFound}
	unavailable := &rosync.APIError{Service: "roapp", Method: "GET", Path: "/company/locations", Status: http.StatusServiceUnavailable}
	tests := []struct {
		name  string
		ro    settingsListRO
		fails bool
	}{
		{"not served", settingsListRO{err: notServed}, false},
		{"refused", settingsListRO{err: &rosync.APIError{Service: "roapp", Status: http.StatusForbidden}}, false},
		{"another shape", settingsListRO{err: errors.New("roapp: GET /orders/types: unexpected answer: json: cannot unmarshal string")}, false},
		{"read empty", settingsListRO{}, false},
		{"unavailable", settingsListRO{err: unavailable}, true},
		{"rate limited", settingsListRO{err: &rosync.RateLimitError{Service: "roapp"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, basePolicy(), withoutConnect(), withROClient(func(ro rosync.ROClient) rosync.ROClient {
				tc.ro.ROClient = ro
				return tc.ro
			}))
			e.addOrder(newOrder("1001", t0))
			err := e.syncer.Connect(context.Background())
			if tc.fails {
				require.Error(t, err)
				require.True(t, rosync.Retryable(err), "a transient listing failure is retried by calling Connect again")
				return
			}
			require.NoError(t, err)
			require.Equal(t, 1, e.calls("POST /orders"), "the import ran with the setting unchecked")
		})
	}
}

// TestEngine_SettingsListed: with the lists read, the right ids pass.
func TestEngine_SettingsListed(t *testing.T) {
	e := newEnv(t, basePolicy(), withoutConnect(), withROClient(func(ro rosync.ROClient) rosync.ROClient {
		return settingsListRO{ROClient: ro, branches: []rosync.ROBranch{{ID: 3, Name: "Other"}, {ID: 1, Name: "Main"}},
			types: []rosync.ROOrderType{{ID: 1, Name: "Online store"}}}
	}))
	require.NoError(t, e.syncer.Connect(context.Background()))
}
