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
// The total is rosync.Progress.Total, the order count the platform
// reported before the import (WooCommerce's X-WP-Total, Shopify's
// ordersCount; rosync.OrderCounter): when every shop importing has one,
// the bar shows their sum with a percentage and an ETA, and the log lines
// carry the total, the percentage and the ETA. A shop without a total
// (Cartum, a count that failed) makes the bar indeterminate: the orders
// applied, their split, the rate and the elapsed time.
type progress struct {
	log   *slog.Logger
	term  *termWriter // nil without a terminal
	every time.Duration
	now   func() time.Time

	mu     sync.Mutex
	logged map[string]time.Time // shop -> last log line
	shops  map[string]rosync.Progress
	wall   map[string]time.Time // shop -> wall-clock start of its import
}

func newProgress(log *slog.Logger, term *termWriter) *progress {
	return &progress{log: log, term: term, every: 5 * time.Second, now: time.Now,
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
	now := p.now()
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
		elapsed := now.Sub(p.wall[pr.Shop])
		attrs := []any{"shop", pr.Shop, "orders", pr.Orders, "imported", pr.Imported, "updated", pr.Updated,
			"rejected", pr.Rejected, "failed", pr.Failed, "elapsed", elapsed.Round(time.Millisecond).String()}
		if pr.Total > 0 {
			attrs = append(attrs, "total", pr.Total, "percent", min(100, 100*pr.Orders/pr.Total))
			if !pr.Done {
				if eta, ok := remaining(elapsed, pr.Orders, pr.Total); ok {
					attrs = append(attrs, "eta", eta.Round(time.Second).String())
				}
			}
		}
		p.log.Info(msg, attrs...)
	}
	if p.term != nil {
		orders, total := 0, 0
		for _, s := range p.shops {
			orders += s.Orders
			if s.Total <= 0 {
				total = -1 // one shop without a total: no percentage for the sum
			} else if total >= 0 {
				total += max(s.Total, s.Orders) // orders created during the import pass the count
			}
		}
		p.term.update(orders, total, p.describe(), p.allDone())
	}
}

// remaining estimates the time left from the rate so far: elapsed for
// done orders, total to do. ok is false before the first order.
func remaining(elapsed time.Duration, done, total int) (time.Duration, bool) {
	if done <= 0 || elapsed <= 0 {
		return 0, false
	}
	left := max(0, total-done)
	return time.Duration(float64(elapsed) / float64(done) * float64(left)), true
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
	max int                      // the bar's total; -1 indeterminate
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

// update sets the bar to orders applied of total (-1: unknown, an
// indeterminate bar), starting it on the first report and ending it (on a
// line of its own) when every import is done. With a total the bar shows
// the percentage, the count and the ETA (progressbar's prediction from the
// rate so far); orders created during the import may pass the platform's
// count, and the total then follows the orders.
func (t *termWriter) update(orders, total int, desc string, done bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if total >= 0 && orders > total {
		total = orders
	}
	if t.bar == nil {
		t.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(t.w),
			progressbar.OptionSetItsString("orders"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetSpinnerChangeInterval(0), // no goroutine of its own: every draw is under t.mu
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
		t.max = total
	} else if total != t.max {
		t.bar.ChangeMax(total) // -1 makes it indeterminate again
		t.max = total
	}
	_ = t.bar.Set(orders)
	t.bar.Describe(fmt.Sprintf("%d orders, %s", orders, desc))
	if done {
		_ = t.bar.Finish()
		_, _ = io.WriteString(t.w, "\n")
		t.bar = nil
	}
}
