package roapp_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp/roapptest"
)

func TestFindContactsByName(t *testing.T) {
	seed := baseSeed()
	seed.Contacts = append(seed.Contacts,
		roapptest.Contact{ID: 20, FirstName: "Not specified"},
		roapptest.Contact{ID: 21, FirstName: "not specified "},
		roapptest.Contact{ID: 22, FirstName: "Not specified", LastName: "Else"},
	)
	_, c := newEmulator(t, seed, nil, nil)
	got, err := c.FindContactsByName(context.Background(), "Not specified", "")
	require.NoError(t, err)
	var ids []int64
	for _, ct := range got {
		ids = append(ids, ct.ID)
	}
	require.ElementsMatch(t, []int64{20, 21}, ids, "matches are confirmed by first and last name, any case")

	got, err = c.FindContactsByName(context.Background(), "Nobody", "Here")
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)
}
