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
// case-insensitively), as an RO App user does. When Options.WebhookURL is
// set it then POSTs an Order.Status.Changed webhook signed with
// roapp.Sign(Options.WebhookSecret) and returns its delivery error (a
// non-2xx answer is an error). An unknown order or status is an error
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
	o.statusID = st.ID
	now := e.clock()
	o.modified = now
	e.events++
	payload := map[string]any{
		"id":            fmt.Sprintf("00000000-0000-4000-8000-%012d", e.events),
		"created_at":    now.Format("2006-01-02T15:04:05.000000Z"),
		"created_at_ts": now.Unix(),
		"event_name":    "Order.Status.Changed",
		"context":       map[string]any{"object_id": o.id, "object_type": "order"},
		"metadata": map[string]any{
			"new":   map[string]any{"id": st.ID},
			"old":   map[string]any{"id": old},
			"order": map[string]any{"id": o.id, "name": fmt.Sprint(o.id)},
		},
		"employee": map[string]any{"id": 1, "full_name": "Emulator User", "email": "user@example.com"},
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
	req.Header.Set(roapp.SignatureHeader, roapp.Sign([]byte(e.opts.WebhookSecret), body))
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
