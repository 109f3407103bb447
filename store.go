package rosync

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// State is where a platform order stands in rosync.
type State string

// The record states.
const (
	// StateNew: seen, nothing created in RO App yet (it may have failed).
	StateNew State = "new"
	// StatePending: the intent to create the RO App order was recorded and
	// the create may or may not have happened; the next attempt looks the
	// order up by its external reference before creating (ENG-1).
	StatePending State = "pending"
	// StateImported: the RO App order exists (ROOrderID is set).
	StateImported State = "imported"
	// StateRejected: a rule said not to transfer it (Rule, Reason).
	StateRejected State = "rejected"
)

// LineLink ties a platform order line to its RO App order item.
type LineLink struct {
	ROItemID  int64 // 0 while the add is pending (intent recorded)
	ProductID int64
	Quantity  int64
	Price     decimal.Decimal
	// Discount is the item's value discount (LineItem.Discount).
	Discount decimal.Decimal
}

// Record is what the Store keeps per platform order: the link to the RO App
// order and the outcome of the last attempt. Failed orders are records whose
// LastError is set; nothing is ever dropped.
type Record struct {
	Shop    string
	OrderID string
	Number  string
	State   State

	// PlatformCreatedAt is the order's creation time on the platform (UTC).
	PlatformCreatedAt time.Time
	// ROOrderID and ClientID are set once the RO App order exists.
	ROOrderID int64
	ClientID  int64
	// IntentAt is when the create intent was recorded (StatePending).
	IntentAt time.Time
	// DoubtAt is when an attempt ended with writes in doubt: item or
	// comment intents whose create may or may not have been executed.
	// Until DoubtAt plus the quarantine (Options.Quarantine) they are
	// looked up but not created again (ENG-1). Zero when nothing is in
	// doubt, or after a crash (UpdatedAt then stands for it).
	DoubtAt time.Time
	// Lines maps platform line ids to RO App items.
	Lines map[string]LineLink
	// DeliveryHash is the Delivery.Hash of the last delivery comment.
	DeliveryHash string
	// PendingComment is the text of a comment whose add may or may not
	// have happened; the next attempt looks for it before adding it.
	PendingComment string
	// Deducted is set once the RO App order's products are written off
	// (ORD-5); from then on platform changes are not synchronised.
	Deducted bool
	// PlatformStatus is the last platform status seen or pushed.
	PlatformStatus string
	// ROStatusID is the last RO App status seen or set.
	ROStatusID int64
	// HeldStatus is a platform status waiting for deduction (WOO-3).
	HeldStatus string
	// StatusPushSent is the platform status whose push was sent and not
	// confirmed (its answer lost: the platform may have set it): the next
	// push of that status reads the platform's order first and does not
	// push it again when the order shows it. "" when no push is in doubt.
	StatusPushSent string
	// CustomerHash is a digest of the order's customer data last written
	// to its contact (ClientID), and CustomerPhone the E.164 phone among
	// them: a correction of the customer on the platform before deduction
	// updates the contact (CUS-3, PRD-7), the phone written before giving
	// way to the new one. Empty for records written before rosync kept
	// them, and for an order whose customer data the platform withholds.
	CustomerHash  string
	CustomerPhone string

	// Rule and Reason say why a rejected order was not transferred.
	Rule   string
	Reason string

	// LastError is the error of the last failed attempt ("" when the last
	// attempt succeeded); Permanent is true when it needs Retry (ORD-2,
	// validation) rather than back-off.
	LastError string
	Permanent bool
	Attempts  int
	NextRetry time.Time

	// UpdatedAt is when the record was last written.
	UpdatedAt time.Time

	// Version is the Store's version of the record: 0 for a record not yet
	// stored, then 1, 2… as Store.PutRecord replaces it. A writer carries
	// the version it read, so that a write based on a stale read (a replica
	// whose lock was lost while another took over the order) fails with
	// ErrConflict instead of overwriting the newer record.
	Version int64
}

// Failed reports whether the last attempt on the order failed.
func (r Record) Failed() bool { return r.LastError != "" }

// RecordFilter selects records in Store.Records. Zero fields match all.
type RecordFilter struct {
	State  State // "" for any
	Failed bool  // only records whose LastError is set
	Held   bool  // only records with a HeldStatus
	// DueBefore, with Failed, selects only records with Permanent false and
	// NextRetry at or before it.
	DueBefore time.Time
}

// Identity is an entry of the identity index: an RO App id for a key, plus a
// hash of what rosync last wrote there (to skip unchanged updates).
type Identity struct {
	ID   int64
	Hash string
}

// ShopState is what the Store keeps per shop.
type ShopState struct {
	Shop string
	// ConnectedAt is when Connect first succeeded; orders created before it
	// belong to the initial import.
	ConnectedAt time.Time
	// ImportedAt is when the initial import finished; zero while it has not.
	ImportedAt time.Time
	// PollCursor is the platform modification time the last poll reached.
	PollCursor time.Time
	// ROCursor is the RO App modification time the last poll reached.
	ROCursor time.Time
}

// IdentitiesPutter is an optional Store method: writing one identity under
// several keys (a contact's phone and email) in one transaction, all or
// none. The Syncer uses it when the Store has it, instead of PutIdentity
// per key: on SQLite each write is a commit, the largest share of an
// order's CPU.
type IdentitiesPutter interface {
	// PutIdentities inserts or replaces the index entry of every key with
	// id, atomically.
	PutIdentities(ctx context.Context, keys []string, id Identity) error
}

// Store persists rosync's state. Implementations must be safe for concurrent
// use; storage/storagetest is the conformance suite every Store passes.
//
// Identity index keys are opaque strings built by the Syncer (for example
// "contact/phone/+380501112233"); they are per RO App account, so one Store
// serves one RO App account. Shop names must not contain ':'.
type Store interface {
	// Record returns the record of a platform order, or an error wrapping
	// ErrNotFound.
	Record(ctx context.Context, shop, orderID string) (Record, error)
	// RecordByRO returns the record linked to an RO App order id, or an
	// error wrapping ErrNotFound.
	RecordByRO(ctx context.Context, roOrderID int64) (Record, error)
	// PutRecord writes the record (r.Shop, r.OrderID) as a compare-and-swap
	// on r.Version, atomically:
	//   - r.Version 0 inserts it; if the record exists, nothing is written
	//     and the error wraps ErrConflict (two inserts: one wins);
	//   - r.Version n > 0 replaces the whole record only if the stored
	//     version is n; otherwise (a newer version, or no record) nothing
	//     is written and the error wraps ErrConflict.
	// On success it sets r.Version to the new version (1 after an insert,
	// n+1 after a replace) and r.UpdatedAt when zero; on error r is left
	// as it was. Records are never deleted.
	PutRecord(ctx context.Context, r *Record) error
	// Records lists a shop's records that match f, ordered by OrderID.
	Records(ctx context.Context, shop string, f RecordFilter) ([]Record, error)

	// Identity returns the index entry for key, or an error wrapping
	// ErrNotFound.
	Identity(ctx context.Context, key string) (Identity, error)
	// PutIdentity inserts or replaces the index entry for key.
	PutIdentity(ctx context.Context, key string, id Identity) error

	// ShopState returns the state of a shop, or an error wrapping
	// ErrNotFound before the shop was first connected.
	ShopState(ctx context.Context, shop string) (ShopState, error)
	// PutShopState inserts or replaces a shop's state.
	PutShopState(ctx context.Context, s ShopState) error

	// SeenEvent records a webhook event id for a shop and reports whether it
	// was recorded before (a redelivery). Ids may be forgotten after a
	// while (at least 7 days are kept).
	SeenEvent(ctx context.Context, shop, eventID string) (bool, error)

	// Lock takes an exclusive lock on key (an order, a contact key…),
	// waiting until it is free or ctx is done. The returned func releases
	// it and must be called exactly once. For a Store shared by several
	// processes (PostgreSQL) the lock holds across them; such a lock can be
	// lost while held, and FencedLocker lets its holder learn it.
	Lock(ctx context.Context, key string) (unlock func(), err error)
}

// MirrorKind names one list of the RO App account that a Mirror holds.
type MirrorKind string

// The mirrored lists.
const (
	MirrorContacts MirrorKind = "contacts"
	MirrorProducts MirrorKind = "products"
)

// Mirror is an optional Store capability: a copy of the RO App account's
// person contacts (id, normalised email, E.164 phones) and catalogue
// products (id, title, SKU, code), with, per list, the time it was last
// mirrored up to. The Syncer loads it once (at the first Connect), then
// refreshes it with RO App's modified_at[] filter from that time, so that
// a customer or product it holds is matched and one it lacks is known to
// be new without a lookup per order (see mirror.go). Like the identity
// index it is per RO App account: one Store serves one account.
//
// A Store without it makes the Syncer look RO App up per new customer and
// product. Values are stored and compared exactly as given (the Syncer
// normalises them); an empty value never matches.
type Mirror interface {
	// PutMirrorContacts inserts or replaces each contact by ID: its Email
	// and Phones afterwards are the given ones (other fields are not
	// kept).
	PutMirrorContacts(ctx context.Context, cs []Contact) error
	// MirrorContacts returns the mirrored contacts whose ID is id, or that
	// have phone among their phones, or whose email is email (a zero id or
	// an empty value selects nothing), ordered by ascending ID, each with
	// ID, Email and Phones; an empty slice, not ErrNotFound, for none.
	MirrorContacts(ctx context.Context, id int64, phone, email string) ([]Contact, error)
	// PutMirrorProducts inserts or replaces each product by ID: its
	// Title, SKU and Code afterwards are the given ones (other fields are
	// not kept).
	PutMirrorProducts(ctx context.Context, ps []ROProduct) error
	// MirrorProduct returns the mirrored product of lowest ID whose title
	// (IdentifyByName), SKU (IdentifyBySKU) or code (IdentifyByID) is
	// value, with ID, Title, SKU and Code; an error wrapping ErrNotFound
	// when none is.
	MirrorProduct(ctx context.Context, by IdentifyBy, value string) (ROProduct, error)
	// MirroredUpTo returns the time set by the last SetMirroredUpTo of
	// kind, zero when never set.
	MirroredUpTo(ctx context.Context, kind MirrorKind) (time.Time, error)
	// SetMirroredUpTo records that kind is mirrored up to t.
	SetMirroredUpTo(ctx context.Context, kind MirrorKind, t time.Time) error
}
