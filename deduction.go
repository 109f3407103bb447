package rosync

import (
	"errors"
	"fmt"
	"strings"
)

// DeductionSignal says how rosync tells that an RO App order's products were
// written off stock (deducted). Three rules depend on knowing it: ORD-5 and
// PRD-7 (from then on platform changes are no longer synchronised) and
// WOO-3 (WooCommerce's Completed waits for it). No public source of RO App
// documents an item field or an event for deduction, so rosync reads it from
// layered evidence; any one layer is enough, and when in doubt the order is
// frozen (platform changes stop), never overwritten:
//
//   - An item field, when RO App sends one: package roapp reads the item
//     field names its Options.DeductionFields give into ROItem.Deducted.
//     With no such field configured, this layer never fires.
//   - The order's status: a status of one of RO App's closed groups (an
//     order closed or issued in RO App has its goods written off), unless
//     IgnoreClosedGroups, and any status named in Statuses.
//   - A refusal: RO App refusing a write to an existing item with a
//     validation error (an error wrapping ErrItemLocked), which is what a
//     written-off item answers, as opposed to the ORD-2 permission error.
//     This layer is always on: the order is frozen instead of retried.
//
// For WOO-3 this means: Completed is pushed to WooCommerce once an item
// shows deducted, or the RO App order reaches a closed-group status or a
// status named in Statuses. A status mapped to "completed" that is neither
// is held (Record.HeldStatus) and pushed by a later poll once the order
// shows deducted.
type DeductionSignal struct {
	// Statuses are RO App status names (compared case-insensitively) that
	// mean the order's products are written off, in addition to the
	// closed groups. Connect fails when one names no RO App status.
	Statuses []string
	// IgnoreClosedGroups turns off the closed-group layer, for accounts
	// where closing an order does not write its goods off.
	IgnoreClosedGroups bool
}

// ErrItemLocked means RO App refused a write to an order item with a
// validation error rather than a missing right: the item is written off or
// otherwise locked. The Syncer takes it as a deduction signal and freezes
// the order (ORD-5) instead of retrying.
var ErrItemLocked = errors.New("rosync: RO App refused a write to an item (written off or locked)")

// deductedStatuses returns the RO App status ids that mean deduction under
// sig, from the account's statuses. It fails when sig names a status the
// account does not have.
func deductedStatuses(sig DeductionSignal, statuses []ROStatus) (map[int64]bool, error) {
	out := map[int64]bool{}
	byName := make(map[string]int64, len(statuses))
	for _, st := range statuses {
		byName[strings.ToLower(strings.TrimSpace(st.Name))] = st.ID
		if st.Closed && !sig.IgnoreClosedGroups {
			out[st.ID] = true
		}
	}
	for _, name := range sig.Statuses {
		id, ok := byName[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			return nil, fmt.Errorf("rosync: deduction statuses: RO App has no status %q", name)
		}
		out[id] = true
	}
	return out, nil
}

// deducted reports whether the RO App order shows its products written off
// under the shop's DeductionSignal: an item flagged deducted, or a status
// that means deduction.
func (s *Syncer) deducted(ro *ROOrder) bool {
	if ro == nil {
		return false
	}
	if ro.Deducted() {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deductedStatus[ro.StatusID]
}
