package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// TestTermLogsAboveBar: on a terminal a log line clears the progress bar,
// starts at the beginning of a line, and the bar is drawn again after it,
// so that logs and bar never share a line.
func TestTermLogsAboveBar(t *testing.T) {
	var buf bytes.Buffer
	tw := newTermWriter(&buf)
	log := slog.New(slog.NewJSONHandler(tw, nil))
	p := newProgress(log, tw)
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 3, Imported: 3})
	require.Contains(t, buf.String(), "3 orders", "the bar is drawn")
	before := buf.Len()
	log.Info("a line in between")
	out := buf.String()
	at := strings.Index(out, `{"time"`)
	require.Positive(t, at, out)
	require.Greater(t, at, before-1)
	require.Contains(t, "\r\n", out[at-1:at], "the log line starts a line of its own: %q", out)
	require.Contains(t, out[at:], "\n", out)
	rest := out[strings.Index(out[at:], "\n")+at+1:]
	require.Contains(t, rest, "3 orders", "the bar is drawn again below the log line: %q", out)

	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 5, Imported: 5, Done: true})
	require.Nil(t, tw.bar, "the bar ends with the last import")
	require.True(t, strings.HasSuffix(buf.String(), "\n"), "the finished bar keeps its line")
	require.Contains(t, buf.String(), `"msg":"initial import finished"`)
}

// TestNoTermLogsOnly: without a terminal the progress is a log line (the
// first report, then every few seconds, and the end), never a bar.
func TestNoTermLogsOnly(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(slog.New(slog.NewJSONHandler(&buf, nil)), nil)
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 1, Imported: 1})
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 2, Imported: 2}) // within the interval: no line
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 3, Imported: 3, Done: true})
	lines := logLines(t, &buf)
	require.Len(t, lines, 2, buf.String())
	require.Equal(t, "initial import", lines[0]["msg"])
	require.Equal(t, "initial import finished", lines[1]["msg"])
	require.NotContains(t, buf.String(), "\r")
}
