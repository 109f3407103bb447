package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// logLines decodes JSON log lines.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.Lines(buf.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// TestRunUsage: the command refuses a bad command line before it builds
// anything, saying what is wrong.
func TestRunUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "-config is required"},
		{[]string{"-config", "a.yaml", "-sandbox", "b.json"}, "use -config or -sandbox, not both"},
		{[]string{"-config", "a.yaml", "-log-level", "loud"}, `-log-level: "loud" is not debug`},
		{[]string{"-config", "/nonexistent/rosync.yaml"}, "no such file"},
		{[]string{"-sandbox", "/nonexistent/fixture.json"}, "no such file"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), tt.args, &stdout, &stderr, false)
		require.ErrorContains(t, err, tt.want, "args %q", tt.args)
	}
}
