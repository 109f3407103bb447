package roapp

import (
	"context"
	"net/url"
	"strings"

	"github.com/rosync/rosync"
)

var _ rosync.ContactNameFinder = (*Client)(nil)

// FindContactsByName returns the person contacts whose first and last
// names are the given ones, searching GET /contacts/people?names[]=
// (documented in List People) and confirming every match on the client
// side (trimmed, case-insensitive). As FindContacts does, it stops after
// the first page when that page shows the filter ignored (a contact whose
// name holds neither name). The Syncer uses it only after a doubtful
// create of a contact without phone or email (ENG-1).
func (c *Client) FindContactsByName(ctx context.Context, firstName, lastName string) ([]rosync.Contact, error) {
	first, last := strings.TrimSpace(firstName), strings.TrimSpace(lastName)
	q := strings.TrimSpace(first + " " + last)
	out := []rosync.Contact{}
	if q == "" {
		return out, nil
	}
	lf, ll := strings.ToLower(first), strings.ToLower(last)
	related := func(w wirePerson) bool {
		n := strings.ToLower(string(w.FirstName) + " " + string(w.LastName))
		return (lf != "" && strings.Contains(n, lf)) || (ll != "" && strings.Contains(n, ll))
	}
	for w, err := range c.search(ctx, url.Values{"names[]": {q}}, "names[]", &c.warnedNames, related) {
		if err != nil {
			return nil, err
		}
		ct := w.contact("")
		if strings.EqualFold(strings.TrimSpace(ct.FirstName), first) && strings.EqualFold(strings.TrimSpace(ct.LastName), last) {
			out = append(out, ct)
		}
	}
	return out, nil
}
