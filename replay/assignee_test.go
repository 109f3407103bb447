package replay

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp/roapptest"
)

// TestFixtureAssignee: RO App requires an assignee on every item; a
// fixture names one in settings.assignee_id, or gets the first seeded
// employee, or the emulator's default employee when it seeds none (older
// fixtures stay valid).
func TestFixtureAssignee(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want int64
	}{
		{"no employees", `{}`, roapptest.DefaultEmployee.ID},
		{"first employee", `{"roapp":{"employees":[{"id":7,"first_name":"A"},{"id":8,"first_name":"B"}]}}`, 7},
		{"explicit", `{"settings":{"assignee_id":8},"roapp":{"employees":[{"id":7},{"id":8}]}}`, 8},
	}
	for _, tt := range tests {
		var fx Fixture
		dec := json.NewDecoder(strings.NewReader(tt.doc))
		dec.DisallowUnknownFields() // as Load: the keys belong to the format
		require.NoError(t, dec.Decode(&fx), tt.name)
		require.Equal(t, tt.want, fx.assignee(), tt.name)
	}
}
