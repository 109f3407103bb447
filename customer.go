package rosync

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Customer is the order's buyer as the platform names them (CUS-2).
type Customer struct {
	FirstName string
	LastName  string
	// Phone is the number as the platform gives it; the Syncer normalises it
	// to E.164 (NormalizePhone). A value that is no phone (PhoneLike) is
	// ignored; a phone-like number that cannot be normalised is not written
	// as a phone (see contactFor).
	Phone string
	Email string
	// Country is an ISO 3166-1 alpha-2 code from the order's address; a
	// phone written without a country code is read in it first, then in
	// the shop's default region (Settings.DefaultRegion), CUS-3.
	Country string
	// Address is the customer's address on one line (transferred for
	// Shopify, SHO-C1); empty when the platform does not transfer it.
	Address string
}

// HasName reports whether the customer has a first or last name.
func (c *Customer) HasName() bool {
	return c != nil && (strings.TrimSpace(c.FirstName) != "" || strings.TrimSpace(c.LastName) != "")
}

// HasContact reports whether the customer has an email or a phone (WOO-2,
// WOO-C2): a value that can be one (EmailLike, PhoneLike), not a
// placeholder such as "-", "n/a" or "none".
func (c *Customer) HasContact() bool {
	return c != nil && (EmailLike(c.Email) || PhoneLike(c.Phone))
}

// minPhoneDigits is the fewest digits a phone number worth keeping has:
// the shortest national numbers in use, with their area code, have six.
const minPhoneDigits = 6

// PhoneLike reports whether s can be a phone number at all (CUS-3, WOO-C1):
// at least six digits, and nothing but digits, spaces and the signs people
// write numbers with (+ ( ) - . /), with an optional extension ("ext",
// "x", "#"). Placeholders such as "-", "n/a", "none" or "0" are no phone.
// It does not say the number is valid in a region: NormalizePhone does.
func PhoneLike(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, ext := range []string{"ext.", "ext", "x", "#"} {
		if i := strings.Index(s, ext); i > 0 {
			s = s[:i]
			break
		}
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +()-./\t", r):
		default:
			return false
		}
	}
	return digits >= minPhoneDigits
}

// EmailLike reports whether s can be an email address (CUS-3, WOO-C2): a
// local part, one '@', and a domain with a dot, no spaces. "-", "n/a" and
// "none@" are no email.
func EmailLike(s string) bool {
	e := NormalizeEmail(s)
	if e == "" || strings.Count(e, "@") != 1 {
		return false
	}
	domain := e[strings.IndexByte(e, '@')+1:]
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}

// ErrInvalidPhone is returned by NormalizePhone for a number that is not a
// valid phone number in any region tried.
var ErrInvalidPhone = errors.New("rosync: phone number cannot be normalised")

// NormalizePhone returns the E.164 form of raw. A number without a country
// code is read in each region in turn (the customer's country, then the
// shop's default region). It returns ErrInvalidPhone when no region makes it
// a valid number; callers then keep the number as given and match by email.
func NormalizePhone(raw string, regions ...string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 64 {
		return "", ErrInvalidPhone
	}
	// "00" international prefix and a bare leading '+' are handled by the
	// parser; try the regions in order, skipping empty and repeated ones.
	tried := map[string]bool{}
	for _, region := range append(regions, "ZZ") {
		region = strings.ToUpper(strings.TrimSpace(region))
		if region == "" || tried[region] {
			continue
		}
		tried[region] = true
		num, err := phonenumbers.Parse(raw, region)
		if err != nil || !phonenumbers.IsValidNumber(num) {
			continue
		}
		return phonenumbers.Format(num, phonenumbers.E164), nil
	}
	return "", ErrInvalidPhone
}

// NormalizeEmail returns the email trimmed and lower-cased (CUS-3 compares
// emails case-insensitively), or "" if it does not look like an address.
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>") {
		return ""
	}
	return s
}

// Contact is an RO App person contact.
type Contact struct {
	ID        int64
	FirstName string
	LastName  string
	Email     string
	// Phones are E.164. A number rosync could not normalise is not written
	// as a phone (it goes to Notes at creation).
	Phones  []string
	Address string
	// Notes is the contact's notes field (RO App's "notes"). rosync sets
	// it only when it creates a contact, never in an update (it would
	// overwrite what people wrote there): it keeps a customer's phone that
	// could not be read as a number (PhoneNote).
	Notes string
}

// hash is a digest of the fields rosync writes, so that an unchanged
// customer costs no PATCH.
func (c Contact) hash() string {
	h := sha256.New()
	for _, s := range []string{c.FirstName, c.LastName, c.Email, strings.Join(c.Phones, ","), c.Address} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// PlaceholderFirstName is the first name of the single shared contact that
// stands for customers whose data the platform withholds (SHO-C2).
const PlaceholderFirstName = "Not specified"

// UnnamedPrefix starts the first name of a contact that rosync creates
// for a customer whom the order gives no first name (RO App requires one):
// "Customer #" and the platform order number, e.g. "Customer #1042", the
// last name staying the order's (CUS-2). A person recognises it as a
// placeholder, and the order that created the contact is in it. A later
// order that names the customer writes the real name over it (CUS-3);
// the placeholder itself is never written over a contact's name.
const UnnamedPrefix = "Customer #"

// PhoneNote starts the contact note that keeps a customer's phone which
// could not be normalised to E.164 (CUS-3): it is not written as a phone,
// where it would match nobody and mislead, but kept for a person to read.
const PhoneNote = "Phone as the customer wrote it (not a valid number): "

// contactFor builds the RO App contact fields for an order's customer, the
// order's real data only (CUS-2, CUS-3): trimmed names as given (none
// invented from the email or the phone), the phone in E.164 (read in the
// customer's country, then in defaultRegion), the lower-cased email, and
// the address when the platform transfers it (SHO-C1). A placeholder
// ("-", "n/a") is no phone or email. A phone-like number that cannot be
// normalised is not a phone: it goes to Notes. phone and email are the
// matching keys ("" for none).
func contactFor(c *Customer, defaultRegion string) (ct Contact, phone, email string) {
	ct.FirstName = strings.TrimSpace(c.FirstName)
	ct.LastName = strings.TrimSpace(c.LastName)
	if EmailLike(c.Email) {
		email = NormalizeEmail(c.Email)
		ct.Email = email
	}
	if raw := strings.TrimSpace(c.Phone); PhoneLike(raw) {
		// A number without country code is read where the order's
		// address is, then in the shop's default region; a number with
		// one is what it says (CUS-3).
		if p, err := NormalizePhone(raw, c.Country, defaultRegion); err == nil {
			phone = p
			ct.Phones = []string{p}
		} else {
			ct.Notes = PhoneNote + raw
		}
	}
	ct.Address = strings.TrimSpace(c.Address)
	return ct, phone, email
}

// unnamed returns the contact to create for ct: ct itself, with the
// UnnamedPrefix first name when the order gives none.
func unnamed(ct Contact, o Order) Contact {
	if ct.FirstName == "" {
		n := strings.TrimSpace(o.Number)
		if n == "" {
			n = o.ID
		}
		ct.FirstName = UnnamedPrefix + strings.TrimPrefix(n, "#")
	}
	return ct
}
