package roapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"strings"
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

// FindContacts returns the person contacts whose phone or email is the
// given one, searching GET /contacts/people?phones[]= and ?emails[]=
// (UNVERIFIED) and confirming every match on the client side, so that a
// filter the server ignores costs pages, not correctness. Phones match
// after rosync.NormalizePhone, emails after rosync.NormalizeEmail. Phone
// matches come first; no contact appears twice.
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
		for raw, err := range c.list(ctx, EndpointFindContacts, nil, url.Values{"phones[]": {phone}}) {
			if err != nil {
				return nil, err
			}
			var w wirePerson
			if err := json.Unmarshal(raw, &w); err != nil {
				return nil, c.decodeError(EndpointFindContacts, err)
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
		for raw, err := range c.list(ctx, EndpointFindContacts, nil, url.Values{"emails[]": {e}}) {
			if err != nil {
				return nil, err
			}
			var w wirePerson
			if err := json.Unmarshal(raw, &w); err != nil {
				return nil, c.decodeError(EndpointFindContacts, err)
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
		Phones: wirePhones(ct.Phones), Address: ct.Address,
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
