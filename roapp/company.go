package roapp

import (
	"bytes"
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

// Statuses lists the order statuses from GET /orders/statuses (a bare array
// of {id,name,color,group}; a paged list is accepted too).
func (c *Client) Statuses(ctx context.Context) ([]rosync.ROStatus, error) {
	out := []rosync.ROStatus{}
	for raw, err := range c.list(ctx, EndpointStatuses, nil, nil) {
		if err != nil {
			return nil, err
		}
		var s struct {
			ID    flexInt    `json:"id"`
			Name  flexString `json:"name"`
			Title flexString `json:"title"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, c.decodeError(EndpointStatuses, err)
		}
		out = append(out, rosync.ROStatus{ID: int64(s.ID), Name: firstNonEmpty(string(s.Name), string(s.Title))})
	}
	return out, nil
}
