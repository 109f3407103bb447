package roapp

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/rosync/rosync"
)

// Company returns the account's currency from GET /company (UNVERIFIED
// shape). It accepts {"currency":"UAH"}, {"data":{...}} and a currency
// object {"code":"UAH"}. An answer without a currency is an error.
func (c *Client) Company(ctx context.Context) (rosync.Company, error) {
	var w struct {
		Currency json.RawMessage `json:"currency"`
	}
	if err := c.getObject(ctx, EndpointCompany, nil, &w); err != nil {
		return rosync.Company{}, err
	}
	cur := bytes.TrimSpace(w.Currency)
	var code string
	if len(cur) > 0 && cur[0] == '{' {
		var o struct {
			Code     flexString `json:"code"`
			ISO      flexString `json:"iso"`
			Currency flexString `json:"currency"`
		}
		if err := json.Unmarshal(cur, &o); err != nil {
			return rosync.Company{}, c.decodeError(EndpointCompany, err)
		}
		code = firstNonEmpty(string(o.Code), string(o.ISO), string(o.Currency))
	} else if len(cur) > 0 {
		s, _, err := scalar(cur)
		if err != nil {
			return rosync.Company{}, c.decodeError(EndpointCompany, err)
		}
		code = s
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return rosync.Company{}, c.decodeError(EndpointCompany, errors.New("no currency in the answer"))
	}
	return rosync.Company{Currency: code}, nil
}

// Closed status groups: the type of a status group whose orders are
// closed, successfully (6) or not (7). UNVERIFIED: RO App's reference shows
// "group" without its values; this numbering (0 custom, 1 new, 2 in
// progress, 3 deferred, 4 done, 5 delivery, 6 closed successfully, 7
// closed unsuccessfully) is the one a public RemOnline integration
// declares, and matches the UI's group names.
const (
	GroupClosedSuccessfully   = 6
	GroupClosedUnsuccessfully = 7
)

// statusGroup reads a status's group: a number (legacy API) or an object
// {type, name} (v2, as a public client's schema reads it).
type statusGroup int

func (g *statusGroup) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Type flexInt `json:"type"`
			ID   flexInt `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*g = statusGroup(cmp.Or(o.Type, o.ID))
		return nil
	}
	var n flexInt
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*g = statusGroup(n)
	return nil
}

// Statuses lists the order statuses from GET /orders/statuses (a bare array
// of {id,name,color,group}; a paged list is accepted too), with their
// group and whether it is a closed one (GroupClosedSuccessfully,
// GroupClosedUnsuccessfully).
func (c *Client) Statuses(ctx context.Context) ([]rosync.ROStatus, error) {
	out := []rosync.ROStatus{}
	for raw, err := range c.list(ctx, EndpointStatuses, nil, nil) {
		if err != nil {
			return nil, err
		}
		var s struct {
			ID    flexInt     `json:"id"`
			Name  flexString  `json:"name"`
			Title flexString  `json:"title"`
			Group statusGroup `json:"group"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, c.decodeError(EndpointStatuses, err)
		}
		g := int(s.Group)
		out = append(out, rosync.ROStatus{ID: int64(s.ID), Name: firstNonEmpty(string(s.Name), string(s.Title)),
			Group: g, Closed: g == GroupClosedSuccessfully || g == GroupClosedUnsuccessfully})
	}
	return out, nil
}

// Employees lists the account's employees from GET /company/employees
// ({"data":[...]}), for checking Settings.AssigneeID at Connect. Name is
// full_name, or first_name and last_name.
func (c *Client) Employees(ctx context.Context) ([]rosync.ROEmployee, error) {
	out := []rosync.ROEmployee{}
	for raw, err := range c.list(ctx, EndpointEmployees, nil, nil) {
		if err != nil {
			return nil, err
		}
		var e struct {
			ID        flexInt    `json:"id"`
			FullName  flexString `json:"full_name"`
			Name      flexString `json:"name"`
			FirstName flexString `json:"first_name"`
			LastName  flexString `json:"last_name"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, c.decodeError(EndpointEmployees, err)
		}
		name := firstNonEmpty(string(e.FullName), string(e.Name),
			strings.TrimSpace(string(e.FirstName)+" "+string(e.LastName)))
		out = append(out, rosync.ROEmployee{ID: int64(e.ID), Name: name})
	}
	return out, nil
}

// idName is a record of a settings list: an id and a name (or title).
type idName struct {
	ID    flexInt    `json:"id"`
	Name  flexString `json:"name"`
	Title flexString `json:"title"`
}

// idNames reads the records of a settings list, skipping those that are
// not objects with an id: the shapes of these lists are UNVERIFIED, and
// the caller treats an empty result as "could not be read".
func (c *Client) idNames(ctx context.Context, ep Endpoint) ([]idName, error) {
	out := []idName{}
	for raw, err := range c.list(ctx, ep, nil, nil) {
		if err != nil {
			return nil, err
		}
		var r idName
		if json.Unmarshal(raw, &r) != nil || r.ID == 0 {
			c.log.DebugContext(ctx, "roapp: settings record not read", "endpoint", string(ep), "record", truncate(string(raw), 200))
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// Branches lists the account's locations from GET company/locations, for
// checking Settings.BranchID at Connect (rosync.BranchLister). The path is
// documented (roapp.readme.io get-company-locations); the answer's shape
// is not (UNVERIFIED): it is read as a list, bare, {"data":[...]} or
// paged, of {id, name or title}; records of another shape are skipped,
// and Connect leaves the setting unchecked when none is read.
func (c *Client) Branches(ctx context.Context) ([]rosync.ROBranch, error) {
	recs, err := c.idNames(ctx, EndpointLocations)
	if err != nil {
		return nil, err
	}
	out := make([]rosync.ROBranch, len(recs))
	for i, r := range recs {
		out[i] = rosync.ROBranch{ID: int64(r.ID), Name: firstNonEmpty(string(r.Name), string(r.Title))}
	}
	return out, nil
}

// OrderTypes lists the account's order types from GET orders/types, for
// checking Settings.OrderTypeID at Connect (rosync.OrderTypeLister). The
// path is documented (roapp.readme.io get-order-types); the answer's shape
// is UNVERIFIED and read as Branches reads its list.
func (c *Client) OrderTypes(ctx context.Context) ([]rosync.ROOrderType, error) {
	recs, err := c.idNames(ctx, EndpointOrderTypes)
	if err != nil {
		return nil, err
	}
	out := make([]rosync.ROOrderType, len(recs))
	for i, r := range recs {
		out[i] = rosync.ROOrderType{ID: int64(r.ID), Name: firstNonEmpty(string(r.Name), string(r.Title))}
	}
	return out, nil
}
