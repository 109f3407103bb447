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

	"github.com/rosync/rosync"
)

// progress reports the initial imports: a log line every few seconds and
// at the end of each shop's import and, when bar is set (stderr is a
// terminal), a one-line status redrawn in place. Polls are logged at debug
// level only.
type progress struct {
	log   *slog.Logger
	bar   io.Writer
	every time.Duration

	mu     sync.Mutex
	logged map[string]time.Time // shop -> last log line
	shops  map[string]rosync.Progress
	drawn  time.Time
	wall   map[string]time.Time // shop -> wall-clock start of its import
}

func newProgress(log *slog.Logger, bar io.Writer) *progress {
	return &progress{log: log, bar: bar, every: 5 * time.Second,
		logged: map[string]time.Time{}, shops: map[string]rosync.Progress{}, wall: map[string]time.Time{}}
}

// isTerminal reports whether f is a character device (a terminal), with
// no dependency.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

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
	if pr.Done || now.Sub(p.logged[pr.Shop]) >= p.every {
		p.logged[pr.Shop] = now
		msg := "initial import"
		if pr.Done {
			msg = "initial import finished"
		}
		p.log.Info(msg, "shop", pr.Shop, "orders", pr.Orders, "imported", pr.Imported, "updated", pr.Updated,
			"rejected", pr.Rejected, "failed", pr.Failed, "elapsed", now.Sub(p.wall[pr.Shop]).Round(time.Millisecond).String())
	}
	if p.bar != nil && (pr.Done || now.Sub(p.drawn) >= 100*time.Millisecond) {
		p.drawn = now
		fmt.Fprint(p.bar, "\r\033[K"+p.line(now))
		if p.allDone() {
			fmt.Fprintln(p.bar)
		}
	}
}

// line is the one-line status of every shop's import: a bar of how the
// orders split so far (there is no total to show a fraction of: the
// platforms stream pages without a count), and the rate.
func (p *progress) line(now time.Time) string {
	var parts []string
	for _, name := range sortedKeys(p.shops) {
		pr := p.shops[name]
		const width = 20
		bar := strings.Repeat("=", scaled(pr.Imported+pr.Updated, pr.Orders, width)) +
			strings.Repeat("-", scaled(pr.Rejected, pr.Orders, width)) +
			strings.Repeat("x", scaled(pr.Failed, pr.Orders, width))
		bar += strings.Repeat(" ", max(0, width-len(bar)))
		state := "importing"
		if pr.Done {
			state = "done"
		}
		rate := 0.0
		if d := now.Sub(p.wall[name]).Seconds(); d > 0 {
			rate = float64(pr.Orders) / d
		}
		parts = append(parts, fmt.Sprintf("%s [%s] %d orders (%d ok, %d rejected, %d failed) %.1f/s %s",
			name, bar, pr.Orders, pr.Imported+pr.Updated, pr.Rejected, pr.Failed, rate, state))
	}
	return strings.Join(parts, " | ")
}

func (p *progress) allDone() bool {
	for _, pr := range p.shops {
		if !pr.Done {
			return false
		}
	}
	return true
}

func scaled(n, total, width int) int {
	if total == 0 {
		return 0
	}
	return n * width / total
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
