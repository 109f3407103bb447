package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

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

// TestTermBarWithTotal: with the platforms' totals the bar shows the
// count of the sum and a percentage; a shop without a total makes it
// indeterminate again, and orders past the total raise it.
func TestTermBarWithTotal(t *testing.T) {
	var buf bytes.Buffer
	tw := newTermWriter(&buf)
	p := newProgress(slog.New(slog.NewJSONHandler(tw, nil)), tw)
	p.report(rosync.Progress{Phase: "import", Shop: "a", Orders: 2, Imported: 2, Total: 8})
	p.report(rosync.Progress{Phase: "import", Shop: "b", Orders: 3, Imported: 3, Total: 12})
	out := buf.String()
	require.Contains(t, out, "25%", "2 of a's 8 orders: %q", out)
	require.Contains(t, out, "(5/20,", "the count of both shops' totals: %q", out)
	require.Equal(t, 20, tw.max)

	p.report(rosync.Progress{Phase: "import", Shop: "c", Orders: 1, Imported: 1}) // no total (Cartum)
	require.Equal(t, -1, tw.max, "one shop without a total: indeterminate")
	p.report(rosync.Progress{Phase: "import", Shop: "c", Orders: 1, Imported: 1, Done: true, Total: 1})
	require.Equal(t, 21, tw.max)
	p.report(rosync.Progress{Phase: "import", Shop: "a", Orders: 12, Imported: 12, Total: 8})
	require.Equal(t, 25, tw.max, "orders created during the import pass a's count: the bar follows the orders")
}

// TestNoTermLogsTotal: without a terminal the log line carries the total,
// the percentage and an ETA from the rate so far (fake clock).
func TestNoTermLogsTotal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(slog.New(slog.NewJSONHandler(&buf, nil)), nil)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 0, Total: 100})
	now = now.Add(10 * time.Second)
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 20, Imported: 20, Total: 100})
	now = now.Add(2 * time.Second) // within the interval: no line
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 21, Imported: 21, Total: 100})
	now = now.Add(time.Minute)
	p.report(rosync.Progress{Phase: "import", Shop: "main", Orders: 100, Imported: 100, Total: 100, Done: true})
	lines := logLines(t, &buf)
	require.Len(t, lines, 3, buf.String())
	require.EqualValues(t, 100, lines[1]["total"])
	require.EqualValues(t, 20, lines[1]["percent"])
	require.Equal(t, "40s", lines[1]["eta"], "20 orders in 10 s: 80 left take 40 s")
	require.Equal(t, "initial import finished", lines[2]["msg"])
	require.EqualValues(t, 100, lines[2]["percent"])
	require.NotContains(t, lines[2], "eta")
}
