package replay

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Print writes the one-screen summary of a replay.
func (s Summary) Print(w io.Writer, name string) {
	fmt.Fprintf(w, "rosync replay of %s (%s)\n", name, s.Platform)
	fmt.Fprintf(w, "  platform orders: %d, events played: %d\n", s.PlatformOrders, s.Events)
	fmt.Fprintf(w, "  imported into RO App: %d\n", s.Imported)
	fmt.Fprintf(w, "  rejected: %d%s\n", s.Rejected, byKey(s.RejectedByRule))
	fmt.Fprintf(w, "  failed: %d\n", s.Failed)
	fmt.Fprintf(w, "  statuses pushed to the platform: %d\n", s.StatusPushes)
	fmt.Fprintf(w, "  RO App API calls: %d%s\n", s.APICalls, byKey(s.APICallsByRoute))
	if len(s.Faults) > 0 {
		total := 0
		for _, n := range s.Faults {
			total += n
		}
		fmt.Fprintf(w, "  faults injected: %d (%s)\n", total, faultLine(s.Faults))
		fmt.Fprintf(w, "  retries: %d, extra polls: %d\n", s.Retries, s.PollRounds)
		if s.LateCreates > 0 || s.InDoubt > 0 {
			p50, p99 := percentiles(s.QuarantineWaits)
			fmt.Fprintf(w, "  creates executed late: %d, orders in doubt: %d (waited p50 %v, p99 %v on the replay's clock)\n",
				s.LateCreates, s.InDoubt, p50, p99)
		}
	}
	if s.RepairFound > 0 {
		fmt.Fprintf(w, "  duplicate RO App orders found (commented on, not deleted): %d\n", s.RepairFound)
	}
	if s.Warnings > 0 {
		fmt.Fprintf(w, "  warnings: %d (see above)\n", s.Warnings)
	}
}

// byKey renders a count map as " (k: n, …)", keys sorted.
func byKey(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// percentiles returns the 50th and 99th percentiles of ds (nearest rank).
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return at(0.50), at(0.99)
}
