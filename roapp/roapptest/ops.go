package roapptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
)

// Deduct writes off all the order's items, as an RO App user closing the
// order does (ORD-5), and bumps its modification time. An unknown order is
// an error wrapping rosync.ErrNotFound.
func (e *Emulator) Deduct(orderID int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orders[orderID]
	if o == nil {
		return fmt.Errorf("roapptest: order %d: %w", orderID, rosync.ErrNotFound)
	}
	for _, it := range o.items {
		it.deducted = true
	}
	o.modified = e.clock()
	return nil
}

// SetStatus moves an order to the status named statusName (compared
// case-insensitively), as an RO App user does; with
// Options.DeductOnClosedStatus a status of a closed group writes off the
// items. When Options.WebhookURL is set it then POSTs the documented
// Order.Status.Changed payload with X-Signature over its delivery id
// (roapp.Sign, or roapp.SignConcat, see Options.WebhookSignature) and
// returns its delivery error (a non-2xx answer is an error). An unknown order or status is an error
// wrapping rosync.ErrNotFound.
func (e *Emulator) SetStatus(ctx context.Context, orderID int64, statusName string) error {
	e.mu.Lock()
	o := e.orders[orderID]
	if o == nil {
		e.mu.Unlock()
		return fmt.Errorf("roapptest: order %d: %w", orderID, rosync.ErrNotFound)
	}
	var st *Status
	for i := range e.statuses {
		if strings.EqualFold(e.statuses[i].Name, strings.TrimSpace(statusName)) {
			st = &e.statuses[i]
			break
		}
	}
	if st == nil {
		e.mu.Unlock()
		return fmt.Errorf("roapptest: status %q: %w", statusName, rosync.ErrNotFound)
	}
	old := o.statusID
	e.moveStatus(o, *st)
	now := e.clock()
	o.modified = now
	e.events++
	deliveryID := fmt.Sprintf("00000000-0000-4000-8000-%012d", e.events)
	payload := map[string]any{
		"id":            deliveryID,
		"created_at":    now.Format("2006-01-02T15:04:05.000000Z"),
		"created_at_ts": now.Unix(),
		"event_name":    "Order.Status.Changed",
		"context":       map[string]any{"object_id": o.id, "object_type": "order"},
		"metadata": map[string]any{
			"new":   map[string]any{"id": st.ID},
			"old":   map[string]any{"id": old},
			"order": map[string]any{"id": o.id, "name": fmt.Sprint(o.id)},
		},
		"employee": map[string]any{"id": e.employees[0].ID, "full_name": fullName(e.employees[0]), "email": e.employees[0].Email},
	}
	e.mu.Unlock()
	if e.opts.WebhookURL == "" {
		return nil
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.opts.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("roapptest: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	sig := roapp.Sign([]byte(e.opts.WebhookSecret), deliveryID)
	if e.opts.WebhookSignature == SignatureConcat {
		sig = roapp.SignConcat([]byte(e.opts.WebhookSecret), deliveryID)
	}
	req.Header.Set(roapp.SignatureHeader, sig)
	hc := e.opts.WebhookClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("roapptest: webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("roapptest: webhook answered %s", resp.Status)
	}
	return nil
}

// OrderIDByNumber returns the id of the order whose manager notes carry the
// platform order number (rosync.ParseNotes); the lowest id when several do.
func (e *Emulator) OrderIDByNumber(platformNumber string) (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range sortedIDs(e.orders) {
		if ref, ok := rosync.ParseNotes(e.orders[id].notes); ok && ref.Number == platformNumber {
			return id, true
		}
	}
	return 0, false
}

// moveStatus sets o's status, writing off its items when the status is in
// a closed group and Options.DeductOnClosedStatus is set; e.mu is held.
func (e *Emulator) moveStatus(o *order, st Status) {
	o.statusID = st.ID
	if e.opts.DeductOnClosedStatus && closedGroup(st.Group) {
		for _, it := range o.items {
			it.deducted = true
		}
	}
}

func fullName(em Employee) string {
	return strings.TrimSpace(em.FirstName + " " + em.LastName)
}
