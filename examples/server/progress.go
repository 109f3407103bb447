package main

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/rosync/rosync"
)

// progress reports the initial imports. On a terminal it draws one
// progress bar (github.com/schollz/progressbar) for every shop's import
// together, and the log lines, which go through the same terminal writer,
// clear the bar before they are written and redraw it after, so that the
// two never interleave on a line. Without a terminal it writes a log line
// every few seconds and at the end of each shop's import. Polls are logged
// at debug level only.
//
// The bar is indeterminate: rosync.Progress carries no total, since the
// engine does not ask the platforms for their order count (WooCommerce's
// X-WP-Total, Cartum's count, Shopify's objectCount) before the import. It
// shows the orders applied, their split, the rate and the elapsed time,
// but no percentage or ETA.
type progress struct {
	log   *slog.Logger
	term  *termWriter // nil without a terminal
	every time.Duration

	mu     sync.Mutex
	logged map[string]time.Time // shop -> last log line
	shops  map[string]rosync.Progress
	wall   map[string]time.Time // shop -> wall-clock start of its import
}

func newProgress(log *slog.Logger, term *termWriter) *progress {
	return &progress{log: log, term: term, every: 5 * time.Second,
		logged: map[string]time.Time{}, shops: map[string]rosync.Progress{}, wall: map[string]time.Time{}}
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// report is the Syncers' Options.Progress.
func (p *progress) report(pr rosync.Progress) {
	if pr.Phase != "import" {
		if pr.Done {
			p.log.Debug("poll done", "shop", pr.Shop, "orders", pr.Orders, "imported", pr.Imported,
				"updated", pr.Updated, "rejected", pr.Rejected, "failed", pr.Failed)
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if _, ok := p.wall[pr.Shop]; !ok {
		p.wall[pr.Shop] = now
	}
	p.shops[pr.Shop] = pr
	// On a terminal the bar shows the progress: only the end is logged.
	if pr.Done || (p.term == nil && now.Sub(p.logged[pr.Shop]) >= p.every) {
		p.logged[pr.Shop] = now
		msg := "initial import"
		if pr.Done {
			msg = "initial import finished"
		}
		p.log.Info(msg, "shop", pr.Shop, "orders", pr.Orders, "imported", pr.Imported, "updated", pr.Updated,
			"rejected", pr.Rejected, "failed", pr.Failed, "elapsed", now.Sub(p.wall[pr.Shop]).Round(time.Millisecond).String())
	}
	if p.term != nil {
		orders := 0
		for _, s := range p.shops {
			orders += s.Orders
		}
		p.term.update(orders, p.describe(), p.allDone())
	}
}

// describe is the bar's description: each shop's split so far.
func (p *progress) describe() string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(p.shops)) {
		pr := p.shops[name]
		state := ""
		if pr.Done {
			state = " done"
		}
		parts = append(parts, fmt.Sprintf("%s: %d ok, %d rejected, %d failed%s",
			name, pr.Imported+pr.Updated, pr.Rejected, pr.Failed, state))
	}
	return "importing " + strings.Join(parts, " | ")
}

func (p *progress) allDone() bool {
	for _, pr := range p.shops {
		if !pr.Done {
			return false
		}
	}
	return true
}

// termWriter is the terminal (standard error) shared by the log lines and
// the progress bar: a log line clears the bar, is written, and the bar is
// drawn again below it.
type termWriter struct {
	w io.Writer

	mu  sync.Mutex
	bar *progressbar.ProgressBar // nil when no import is under way
}

func newTermWriter(w io.Writer) *termWriter { return &termWriter{w: w} }

// Write writes a log line above the bar.
func (t *termWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar != nil {
		_ = t.bar.Clear()
	}
	n, err := t.w.Write(b)
	if t.bar != nil {
		_ = t.bar.RenderBlank()
	}
	return n, err
}

// update sets the bar to orders applied, starting it on the first report
// and ending it (on a line of its own) when every import is done.
func (t *termWriter) update(orders int, desc string, done bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar == nil {
		t.bar = progressbar.NewOptions(-1, // no total known: indeterminate
			progressbar.OptionSetWriter(t.w),
			progressbar.OptionSetItsString("orders"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetSpinnerChangeInterval(0), // no goroutine of its own: every draw is under t.mu
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
	}
	_ = t.bar.Set(orders)
	t.bar.Describe(fmt.Sprintf("%d orders, %s", orders, desc))
	if done {
		_ = t.bar.Finish()
		_, _ = io.WriteString(t.w, "\n")
		t.bar = nil
	}
}
