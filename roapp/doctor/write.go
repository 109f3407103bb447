package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
)

// Names of what the write probes create.
const (
	ContactFirstName = "rosync"
	ContactLastName  = "doctor"
	ProductTitle     = "rosync doctor test product"
	CommentText      = "rosync doctor: test comment"
)

// write runs the write probes: one test order with one item and one
// comment, read back, then closed.
func (d *doctor) write(ctx context.Context) {
	branch, typ := d.cfg.BranchID, d.cfg.OrderTypeID
	if len(d.cfg.Shops) > 0 {
		s := d.cfg.Shops[0].Settings
		branch, typ = cmpID(s.BranchID, branch), cmpID(s.OrderTypeID, typ)
	}
	clientID, ok := d.testContact(ctx)
	if !ok {
		return
	}
	productID := d.testProduct(ctx)
	now := d.now().UTC()
	ref := rosync.ExternalRef{Platform: "doctor", Shop: "doctor", OrderID: strconv.FormatInt(now.Unix(), 10),
		Number: "doctor-" + strconv.FormatInt(now.Unix(), 10), CreatedAt: now}
	orderID, err := d.cl.CreateOrder(ctx, rosync.NewOrder{BranchID: branch, OrderTypeID: typ, ClientID: clientID, Ref: ref})
	if err != nil {
		d.add("write order", Fail, fmt.Sprintf("creating a test order in branch %d, order type %d: %v", branch, typ, err),
			"fix the branch_id or order_type_id the error names")
		return
	}
	d.rep.LeftBehind = append(d.rep.LeftBehind, fmt.Sprintf("order %d (reference %s in its manager notes)", orderID, ref.Key()))
	d.add("write order", OK, fmt.Sprintf("created order %d in branch %d, order type %d", orderID, branch, typ), "")
	o, err := d.cl.Order(ctx, orderID)
	if err != nil {
		d.add("initial_status", Fail, "reading the test order back: "+err.Error(), "")
	} else {
		d.add("initial_status", OK, fmt.Sprintf("order type %d starts in %s (SHO-3)", typ, d.describeStatus(o.StatusID)), "")
	}
	d.checkRefFieldWritten(ctx, orderID, ref)

	var itemID int64
	if productID != 0 {
		itemID = d.testItem(ctx, orderID, productID)
	} else {
		d.add("right_add_without_deduction", Unverified, "no product to add, so no item was added", "add one product to the catalogue and run again")
	}
	if err := d.cl.AddComment(ctx, orderID, CommentText); err != nil {
		var ee *roapp.EndpointError
		if errors.As(err, &ee) {
			d.add("endpoint add_comment", UnverifiedNo, err.Error(), "set roapp.paths.add_comment if the account serves it elsewhere")
		} else {
			d.add("endpoint add_comment", Fail, err.Error(), "send us this row")
		}
	} else {
		d.add("endpoint add_comment", UnverifiedOK, "POST "+d.raw.path(roapp.EndpointAddComment)+" accepted the test comment", "")
		d.probeComments(ctx, orderID, CommentText)
	}
	before := d.rawItems(ctx, orderID)
	if len(before) > 0 {
		d.addEvidence("item_fields", Info, "the keys of an item as GET orders/{id}/items sends it (send us this row)", "",
			map[string]any{"item_keys": before[0].keys(), "item": before[0]})
	}
	d.closeOrder(ctx, orderID, itemID, before)
}

func cmpID(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

// describeStatus names a status with its group.
func (d *doctor) describeStatus(id int64) string {
	for _, st := range d.statuses {
		if st.ID == id {
			closed := ""
			if st.Closed {
				closed = ", closed"
			}
			return fmt.Sprintf("status %d %q (group %d%s)", id, st.Name, st.Group, closed)
		}
	}
	return fmt.Sprintf("status %d (not in GET orders/statuses)", id)
}

// testContact finds the contact "rosync doctor" (names[] is documented) or
// creates it.
func (d *doctor) testContact(ctx context.Context) (int64, bool) {
	full := ContactFirstName + " " + ContactLastName
	a, err := d.raw.get(ctx, d.raw.path(roapp.EndpointFindContacts), url.Values{"names[]": {full}})
	if err == nil && a.ok() {
		recs, _ := records(a.body)
		for _, r := range recs {
			if strings.EqualFold(strings.TrimSpace(r.str("first_name")+" "+r.str("last_name")), full) {
				id, _ := strconv.ParseInt(r.str("id"), 10, 64)
				if id > 0 {
					d.add("write contact", OK, fmt.Sprintf("reusing contact %d %q", id, full), "")
					return id, true
				}
			}
		}
	}
	id, err := d.cl.CreateContact(ctx, rosync.Contact{FirstName: ContactFirstName, LastName: ContactLastName})
	if err != nil {
		d.add("write contact", Fail, "creating the test contact: "+err.Error(), "send us this row")
		return 0, false
	}
	d.rep.LeftBehind = append(d.rep.LeftBehind, fmt.Sprintf("contact %d %q (reused by the next run)", id, full))
	d.add("write contact", OK, fmt.Sprintf("created contact %d %q", id, full), "")
	return id, true
}

// testProduct returns a product for the test item: one titled
// ProductTitle on the catalogue's first page, else its first product, else
// a created one (POST catalog/products is UNVERIFIED).
func (d *doctor) testProduct(ctx context.Context) int64 {
	a, err := d.raw.get(ctx, d.raw.path(roapp.EndpointFindProducts), nil)
	if err == nil && a.ok() {
		recs, _ := records(a.body)
		pick := -1
		for i, r := range recs {
			if r.str("title") == ProductTitle || pick < 0 {
				pick = i
			}
		}
		if pick >= 0 {
			id, _ := strconv.ParseInt(recs[pick].str("id"), 10, 64)
			d.add("endpoint create_product", Unverified, "not probed: the catalogue has products (the test item uses "+
				strconv.Quote(recs[pick].str("title"))+")", "")
			return id
		}
	}
	id, err := d.cl.CreateProduct(ctx, rosync.ROProduct{Title: ProductTitle})
	var ee *roapp.EndpointError
	switch {
	case errors.As(err, &ee):
		d.add("endpoint create_product", UnverifiedNo, err.Error(), "pre-create the products in RO App, or set roapp.paths.create_product")
		return 0
	case errors.Is(err, roapp.ErrNoUOM):
		d.add("endpoint create_product", Unverified, err.Error(), "set roapp.uom_id")
		return 0
	case err != nil:
		d.add("endpoint create_product", UnverifiedNo, err.Error(), "send us this row")
		return 0
	}
	d.rep.LeftBehind = append(d.rep.LeftBehind, fmt.Sprintf("product %d %q (reused by the next run)", id, ProductTitle))
	d.add("endpoint create_product", UnverifiedOK, fmt.Sprintf("created product %d %q", id, ProductTitle), "")
	return id
}

// checkRefFieldWritten reads the test order raw and checks the external
// reference custom field kept its value.
func (d *doctor) checkRefFieldWritten(ctx context.Context, orderID int64, ref rosync.ExternalRef) {
	f := strings.TrimSpace(d.cfg.Client.ExternalRefField)
	if f == "" {
		return
	}
	path := strings.ReplaceAll(d.raw.path(roapp.EndpointOrder), "{id}", strconv.FormatInt(orderID, 10))
	a, err := d.raw.get(ctx, path, nil)
	if err != nil || !a.ok() {
		d.add("external_ref_field written", Unverified, "reading the order back failed", "")
		return
	}
	o, err := object(a.body)
	if err != nil {
		d.add("external_ref_field written", Unverified, "unexpected order answer", "")
		return
	}
	var cf map[string]json.RawMessage
	_ = json.Unmarshal(o["custom_fields"], &cf)
	if record(cf).str(f) == ref.Key() {
		d.add("external_ref_field written", OK, "the test order's "+f+" holds its reference", "")
		return
	}
	d.addEvidence("external_ref_field written", Fail, "the test order's "+f+" does not hold the reference rosync wrote",
		"check the field's type (text) or leave roapp.external_ref_field empty", map[string]any{"custom_fields": cf})
}

// testItem adds one item; it proves the ORD-2 right.
func (d *doctor) testItem(ctx context.Context, orderID, productID int64) int64 {
	id, err := d.cl.AddItem(ctx, orderID, rosync.ROItem{ProductID: productID, Quantity: 1,
		Price: decimal.NewFromInt(1), AssigneeID: d.cfg.AssigneeID})
	var pe *rosync.PermissionError
	switch {
	case errors.As(err, &pe):
		d.add("right_add_without_deduction", Fail, "RO App refused the item: "+err.Error(),
			"give the API key's employee the right \"Can add products without deduction\" (ORD-2)")
		return 0
	case err != nil:
		d.add("endpoint add_item", Fail, "adding the test item: "+err.Error(), "send us this row")
		return 0
	}
	d.add("right_add_without_deduction", OK, fmt.Sprintf("item %d added to order %d (ORD-2)", id, orderID), "")
	d.add("endpoint add_item", OK, "every required field accepted", "")
	return id
}

// rawItems reads an order's items as the account sends them.
func (d *doctor) rawItems(ctx context.Context, orderID int64) []record {
	path := strings.ReplaceAll(d.raw.path(roapp.EndpointItems), "{id}", strconv.FormatInt(orderID, 10))
	a, err := d.raw.get(ctx, path, nil)
	if err != nil || !a.ok() {
		return nil
	}
	recs, _ := records(a.body)
	return recs
}

// closedStatus picks the status the test order is closed with: the first
// of group "closed successfully", else "closed unsuccessfully", else a
// named deduction status.
func (d *doctor) closedStatus() (rosync.ROStatus, bool) {
	for _, g := range []int{roapp.GroupClosedSuccessfully, roapp.GroupClosedUnsuccessfully} {
		for _, st := range d.statuses {
			if st.Group == g {
				return st, true
			}
		}
	}
	for _, n := range d.cfg.Deduction.Statuses {
		if st, ok := d.statusByName(n); ok {
			return st, true
		}
	}
	return rosync.ROStatus{}, false
}

// closeOrder closes the test order and reports the deduction signals it
// showed: an item field that changed, a refused item write.
func (d *doctor) closeOrder(ctx context.Context, orderID, itemID int64, before []record) {
	st, ok := d.closedStatus()
	if !ok {
		d.add("write close", Warn, "no closed-group or deduction status: the test order stays open", "close or delete it by hand")
		d.add("deduction_signals", Unverified, "the test order could not be closed", "")
		return
	}
	if err := d.cl.SetStatus(ctx, orderID, st.ID); err != nil {
		d.add("write close", Fail, fmt.Sprintf("setting %s: %v", d.describeStatus(st.ID), err), "close or delete the test order by hand")
		return
	}
	var signals []string
	after := d.rawItems(ctx, orderID)
	d.deductionField(before, after, &signals)
	if itemID != 0 {
		err := d.cl.UpdateItem(ctx, orderID, rosync.ROItem{ID: itemID, Quantity: 1, Price: decimal.NewFromInt(1)})
		switch {
		case errors.Is(err, rosync.ErrItemLocked):
			signals = append(signals, "refused item write (422)")
			d.add("deduction refusal", UnverifiedOK, "a write to the closed order's item is refused (422): rosync freezes such orders (ORD-5)", "")
		case err != nil:
			d.add("deduction refusal", Unverified, "a write to the closed order's item failed: "+err.Error(), "send us this row")
		default:
			d.add("deduction refusal", Info, "the closed order's item is still writable: this signal does not fire on closing", "")
		}
		err = d.cl.DeleteItem(ctx, orderID, itemID)
		var ee *roapp.EndpointError
		switch {
		case err == nil:
			d.add("endpoint delete_item", UnverifiedOK, fmt.Sprintf("DELETE %s removed the test item", d.raw.path(roapp.EndpointDeleteItem)), "")
		case errors.Is(err, rosync.ErrItemLocked):
			d.add("endpoint delete_item", UnverifiedOK, "the path exists: it refused the written-off item (422)", "")
			d.rep.LeftBehind = append(d.rep.LeftBehind, fmt.Sprintf("item %d of order %d (written off, cannot be deleted)", itemID, orderID))
		case errors.As(err, &ee):
			d.add("endpoint delete_item", UnverifiedNo, err.Error(), "set roapp.paths.delete_item if the account serves it elsewhere")
			d.rep.LeftBehind = append(d.rep.LeftBehind, fmt.Sprintf("item %d of order %d", itemID, orderID))
		default:
			d.add("endpoint delete_item", Unverified, err.Error(), "send us this row")
			d.rep.LeftBehind = append(d.rep.LeftBehind, fmt.Sprintf("item %d of order %d", itemID, orderID))
		}
	}
	if st.Closed && !d.cfg.Deduction.IgnoreClosedGroups {
		signals = append(signals, "closed-group status")
	}
	o, err := d.cl.Order(ctx, orderID)
	if err != nil || o.StatusID != st.ID {
		d.add("write close", Fail, fmt.Sprintf("the test order is not in %s after closing", d.describeStatus(st.ID)), "close it by hand")
	} else {
		d.add("write close", OK, fmt.Sprintf("order %d closed: %s", orderID, d.describeStatus(st.ID)), "")
		d.rep.LeftBehind = append(d.rep.LeftBehind, fmt.Sprintf("order %d is closed (%s); RO App offers no call to delete it", orderID, st.Name))
	}
	if len(signals) == 0 {
		d.add("deduction_signals", Warn, "closing the test order showed no deduction signal",
			"name the statuses that write products off in the deduction statuses, and send us this report")
		return
	}
	d.add("deduction_signals", Info, "seen on this account: "+strings.Join(signals, ", "), "")
}

// deductionField compares the test item before and after closing: a field
// that turned true is a deduction field.
func (d *doctor) deductionField(before, after []record, signals *[]string) {
	const check = "deduction item field"
	if len(before) == 0 || len(after) == 0 {
		d.add(check, Unverified, "no item to compare", "")
		return
	}
	b, a := before[0], after[0]
	var turned []string
	for _, k := range a.keys() {
		if truthy(a[k]) && !truthy(b[k]) {
			turned = append(turned, k)
		}
	}
	configured := d.cfg.Client.DeductionFields
	var absent []string
	for _, f := range configured {
		if _, ok := a[f]; !ok {
			absent = append(absent, f)
		}
	}
	ev := map[string]any{"item_keys_after_close": a.keys()}
	switch {
	case len(turned) > 0:
		*signals = append(*signals, "item field "+strings.Join(turned, ", "))
		res, action := UnverifiedOK, "set roapp.deduction_fields: ["+strings.Join(turned, ", ")+"]"
		if slices.ContainsFunc(turned, func(f string) bool { return slices.Contains(configured, f) }) {
			action = ""
		}
		d.addEvidence(check, res, "present: closing the order set "+strings.Join(turned, ", ")+" to true", action, ev)
	case len(absent) > 0:
		d.addEvidence(check, Warn, "configured deduction_fields not in the item: "+strings.Join(absent, ", "),
			"remove them from roapp.deduction_fields", ev)
	default:
		d.addEvidence(check, UnverifiedNo, "absent: no item field turned true when the order closed",
			"", ev)
	}
}

// truthy reports a JSON true, 1 or "true".
func truthy(v json.RawMessage) bool {
	switch strings.TrimSpace(string(v)) {
	case "true", "1", `"true"`, `"1"`:
		return true
	}
	return false
}
