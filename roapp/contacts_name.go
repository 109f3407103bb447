package roapp

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/rosync/rosync"
)

var _ rosync.ContactNameFinder = (*Client)(nil)

// FindContactsByName returns the person contacts whose first and last
// names are the given ones, searching GET /contacts/people?names[]=
// (UNVERIFIED: the filter is not in the public docs) and confirming every
// match on the client side (trimmed, case-insensitive), so that a filter
// the server ignores costs pages, not correctness. The Syncer uses it only
// after a doubtful create of a contact without phone or email (ENG-1).
func (c *Client) FindContactsByName(ctx context.Context, firstName, lastName string) ([]rosync.Contact, error) {
	first, last := strings.TrimSpace(firstName), strings.TrimSpace(lastName)
	q := strings.TrimSpace(first + " " + last)
	out := []rosync.Contact{}
	if q == "" {
		return out, nil
	}
	for raw, err := range c.list(ctx, EndpointFindContacts, nil, url.Values{"names[]": {q}}) {
		if err != nil {
			return nil, err
		}
		var w wirePerson
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, c.decodeError(EndpointFindContacts, err)
		}
		ct := w.contact("")
		if strings.EqualFold(strings.TrimSpace(ct.FirstName), first) && strings.EqualFold(strings.TrimSpace(ct.LastName), last) {
			out = append(out, ct)
		}
	}
	return out, nil
}
