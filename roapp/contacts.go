package roapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/rosync/rosync"
)

// phoneList reads phones sent as strings or as objects {"phone": ...}, as
// an array or a single value.
type phoneList []string

func (p *phoneList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var raws []json.RawMessage
	switch {
	case len(b) == 0 || b[0] == 'n':
		return nil
	case b[0] == '[':
		if err := json.Unmarshal(b, &raws); err != nil {
			return err
		}
	default:
		raws = []json.RawMessage{b}
	}
	for _, r := range raws {
		r = bytes.TrimSpace(r)
		var s string
		if len(r) > 0 && r[0] == '{' {
			var o struct {
				Phone  flexString `json:"phone"`
				Number flexString `json:"number"`
			}
			if err := json.Unmarshal(r, &o); err != nil {
				return err
			}
			s = firstNonEmpty(string(o.Phone), string(o.Number))
		} else {
			var err error
			if s, _, err = scalar(r); err != nil {
				return err
			}
		}
		if s = strings.TrimSpace(s); s != "" {
			*p = append(*p, s)
		}
	}
	return nil
}

// wirePerson is a person contact as the API returns it.
type wirePerson struct {
	ID        flexInt    `json:"id"`
	FirstName flexString `json:"first_name"`
	LastName  flexString `json:"last_name"`
	Email     flexString `json:"email"`
	Phones    phoneList  `json:"phones"`
	Phone     phoneList  `json:"phone"`
	Address   flexString `json:"address"`
}

func (w wirePerson) phones() []string { return append(append([]string{}, w.Phones...), w.Phone...) }

// contact converts w, normalising its phones to E.164 where possible
// (region: the one of the number searched for, when known).
func (w wirePerson) contact(region string) rosync.Contact {
	c := rosync.Contact{
		ID:        int64(w.ID),
		FirstName: string(w.FirstName),
		LastName:  string(w.LastName),
		Email:     string(w.Email),
		Address:   string(w.Address),
		Phones:    []string{},
	}
	for _, p := range w.phones() {
		if n, err := rosync.NormalizePhone(p, region); err == nil {
			p = n
		}
		c.Phones = append(c.Phones, p)
	}
	return c
}

// phoneRegion is the region of an E.164 number ("" when unknown), used to
// read stored numbers written without a country code.
func phoneRegion(e164 string) string {
	num, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(num)
}

// samePhone reports whether a stored number is the wanted one: equal as
// stored, or equal once normalised.
func samePhone(stored, want, wantNorm, region string) bool {
	stored = strings.TrimSpace(stored)
	if stored == "" {
		return false
	}
	if stored == want || stored == wantNorm {
		return true
	}
	n, err := rosync.NormalizePhone(stored, region)
	return err == nil && n == wantNorm
}

// phoneForms are the forms of a phone RO App may have stored and its
// phones[] filter is sent: the number as given, E.164 and the national
// form in digits ("0501112233"), without repeats.
func phoneForms(phone, e164 string) []string {
	forms := []string{phone}
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	add(e164)
	if num, err := phonenumbers.Parse(e164, "ZZ"); err == nil {
		add(nonDigits.ReplaceAllString(phonenumbers.Format(num, phonenumbers.NATIONAL), ""))
	}
	return forms
}

var nonDigits = regexp.MustCompile(`\D`)

// relatedPhone reports whether a found person has a phone that could be
// the searched one by a server's loose matching: the digits of one hold
// the last 7 digits of the other. A record without such a phone shows that
// the server ignored the phones[] filter.
func relatedPhone(ps []string, wantDigits string) bool {
	tail := wantDigits[max(0, len(wantDigits)-7):]
	for _, p := range ps {
		if d := nonDigits.ReplaceAllString(p, ""); d != "" && (strings.Contains(d, tail) || strings.Contains(wantDigits, d[max(0, len(d)-7):])) {
			return true
		}
	}
	return false
}

// search reads a filtered list while the filter shows it works: when any
// record of the first page is not related to what was asked (the server
// ignored the filter and answers the whole list), it reads no further
// page, logs a warning once per filter and client, and yields only the
// first page. A filter that works is followed page by page.
func (c *Client) search(ctx context.Context, q url.Values, filter string, warned *atomic.Bool,
	related func(wirePerson) bool) iter.Seq2[wirePerson, error] {
	return func(yield func(wirePerson, error) bool) {
		for page, last := 1, 1; page <= last; page++ {
			p, err := c.page(ctx, EndpointFindContacts, nil, q, page)
			if err != nil {
				yield(wirePerson{}, err)
				return
			}
			ws := make([]wirePerson, 0, len(p.items))
			ignored := false
			for _, raw := range p.items {
				var w wirePerson
				if err := json.Unmarshal(raw, &w); err != nil {
					yield(wirePerson{}, c.decodeError(EndpointFindContacts, err))
					return
				}
				ws = append(ws, w)
				ignored = ignored || !related(w)
			}
			if page == 1 && p.paging != nil {
				last = min(int(p.paging.TotalPages), maxPages)
			}
			if ignored && page == 1 {
				last = 1
				if warned.CompareAndSwap(false, true) {
					c.log.LogAttrs(ctx, slog.LevelWarn, "roapp: the server ignores a contact search filter; "+
						"searches with it read one page only (matching by it needs the account mirror)",
						slog.String("filter", filter), slog.String("path", display(c.paths[EndpointFindContacts])))
				}
			}
			for _, w := range ws {
				if !yield(w, nil) {
					return
				}
			}
			if len(p.items) == 0 {
				return
			}
		}
	}
}

// FindContacts returns the person contacts whose phone or email is the
// given one. Matches are always confirmed on the client side (phones after
// rosync.NormalizePhone, emails after rosync.NormalizeEmail); phone
// matches come first; no contact appears twice.
//
// Phones: GET /contacts/people?phones[]= (documented) with every form RO
// App may have stored the number in: as given, E.164 and the national
// form ("+380501112233" and "0501112233"), in one call.
//
// Emails: /contacts/people documents no email filter (emails[] existed on
// the legacy /clients/ only). The client sends emails[] anyway, since an
// account that honours it answers in one call, but trusts it only as far
// as the first page shows: a first page holding a contact whose email
// does not hold the searched one means the filter was ignored, and the
// search stops there (one call, never the whole list), logging a warning
// once. A contact beyond that page is then not found by email: matching
// by email belongs to a mirror of the account's contacts (the Syncer's).
// The phone search has the same guard.
func (c *Client) FindContacts(ctx context.Context, phone, email string) ([]rosync.Contact, error) {
	out := []rosync.Contact{}
	seen := map[int64]bool{}
	phone = strings.TrimSpace(phone)
	region := ""
	if phone != "" {
		wantNorm := phone
		if n, err := rosync.NormalizePhone(phone); err == nil {
			wantNorm = n
		}
		region = phoneRegion(wantNorm)
		wantDigits := nonDigits.ReplaceAllString(wantNorm, "")
		related := func(w wirePerson) bool { return wantDigits == "" || relatedPhone(w.phones(), wantDigits) }
		for w, err := range c.search(ctx, url.Values{"phones[]": phoneForms(phone, wantNorm)}, "phones[]", &c.warnedPhones, related) {
			if err != nil {
				return nil, err
			}
			if seen[int64(w.ID)] {
				continue
			}
			for _, p := range w.phones() {
				if samePhone(p, phone, wantNorm, region) {
					seen[int64(w.ID)] = true
					out = append(out, w.contact(region))
					break
				}
			}
		}
	}
	if e := rosync.NormalizeEmail(email); e != "" {
		related := func(w wirePerson) bool { return strings.Contains(strings.ToLower(string(w.Email)), e) }
		for w, err := range c.search(ctx, url.Values{"emails[]": {e}}, "emails[]", &c.warnedEmails, related) {
			if err != nil {
				return nil, err
			}
			if !seen[int64(w.ID)] && rosync.NormalizeEmail(string(w.Email)) == e {
				seen[int64(w.ID)] = true
				out = append(out, w.contact(region))
			}
		}
	}
	return out, nil
}

// wirePhone is a phone as the API takes it.
type wirePhone struct {
	Title string `json:"title"`
	Phone string `json:"phone"`
}

// wireNewPerson is the body of POST /contacts/people.
type wireNewPerson struct {
	FirstName string      `json:"first_name"`
	LastName  string      `json:"last_name,omitempty"`
	Email     string      `json:"email,omitempty"`
	Phones    []wirePhone `json:"phones,omitempty"`
	Address   string      `json:"address,omitempty"`
	// Notes is documented for POST /contacts/people; rosync puts there a
	// phone it could not read as one (CUS-3).
	Notes string `json:"notes,omitempty"`
}

// wirePersonUpdate is the body of PATCH /contacts/people/{id}: every field
// rosync writes, empty ones included, so that they overwrite.
// wirePersonUpdate is a PATCH body: empty fields are left out, so that
// the contact keeps what the order does not say.
type wirePersonUpdate struct {
	FirstName string      `json:"first_name,omitempty"`
	LastName  string      `json:"last_name,omitempty"`
	Email     string      `json:"email,omitempty"`
	Phones    []wirePhone `json:"phones,omitempty"`
	Address   string      `json:"address,omitempty"`
}

func wirePhones(ps []string) []wirePhone {
	out := []wirePhone{}
	for _, p := range ps {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, wirePhone{Title: "Mobile", Phone: p})
		}
	}
	return out
}

// CreateContact creates a person contact with POST /contacts/people
// (phones as [{"title":"Mobile","phone":...}]). It is a create call: on
// doubt it returns an *rosync.AmbiguousError.
func (c *Client) CreateContact(ctx context.Context, ct rosync.Contact) (int64, error) {
	return c.create(ctx, EndpointCreateContact, nil, wireNewPerson{
		FirstName: ct.FirstName, LastName: ct.LastName, Email: ct.Email,
		Phones: wirePhones(ct.Phones), Address: ct.Address, Notes: ct.Notes,
	})
}

// UpdateContact writes ct's non-empty fields over contact ct.ID with PATCH
// /contacts/people/{id}.
func (c *Client) UpdateContact(ctx context.Context, ct rosync.Contact) error {
	if ct.ID <= 0 {
		return errors.New("roapp: UpdateContact: contact has no id")
	}
	_, err := c.do(ctx, call{ep: EndpointUpdateContact, args: []int64{ct.ID}, body: wirePersonUpdate{
		FirstName: ct.FirstName, LastName: ct.LastName, Email: ct.Email,
		Phones: wirePhones(ct.Phones), Address: ct.Address,
	}})
	return err
}

// ListContacts streams every person contact, page by page, from GET
// /contacts/people; with a non-zero modifiedSince only those modified at
// or after it (modified_at[], UNVERIFIED: a server that ignores the filter
// costs pages, not correctness). Phones are normalised to E.164 with
// region where they are written without a country code. The stream ends
// at the first error. The Syncer uses it to warm its identity index
// (rosync.ROIndexLister).
func (c *Client) ListContacts(ctx context.Context, modifiedSince time.Time, region string) iter.Seq2[rosync.Contact, error] {
	return func(yield func(rosync.Contact, error) bool) {
		q := url.Values{}
		if !modifiedSince.IsZero() {
			q.Set("modified_at[]", apiTime(modifiedSince))
		}
		for raw, err := range c.list(ctx, EndpointFindContacts, nil, q) {
			if err != nil {
				yield(rosync.Contact{}, err)
				return
			}
			var w wirePerson
			if err := json.Unmarshal(raw, &w); err != nil {
				yield(rosync.Contact{}, c.decodeError(EndpointFindContacts, err))
				return
			}
			if !yield(w.contact(region), nil) {
				return
			}
		}
	}
}
