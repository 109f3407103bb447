package rosync

import (
	"context"
	"iter"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
)

// ---------------------------------------------------------------- platforms

// StatusSync says in which directions order statuses flow (CAR-2, SHO-2).
type StatusSync int

// The status sync directions.
const (
	StatusSyncNone         StatusSync = iota // SHO-2
	StatusSyncToPlatform                     // RO App -> platform (WooCommerce, WOO-3)
	StatusSyncFromPlatform                   // platform -> RO App
	StatusSyncBoth                           // CAR-2
)

// ToPlatform reports whether RO App status changes are pushed to the platform.
func (s StatusSync) ToPlatform() bool { return s == StatusSyncToPlatform || s == StatusSyncBoth }

// FromPlatform reports whether platform status changes move the RO App order.
func (s StatusSync) FromPlatform() bool { return s == StatusSyncFromPlatform || s == StatusSyncBoth }

// DeliveryMode says how delivery details are transferred (DEL-1, DEL-2, WOO-4).
type DeliveryMode int

// The delivery modes.
const (
	DeliveryNone     DeliveryMode = iota // WOO-4: not transferred
	DeliveryOnCreate                     // DEL-1: one comment when the order is imported
	DeliveryOnChange                     // DEL-1 and DEL-2: a new comment each time the details change
)

// Policy is what a platform's rules say, as data. The Syncer applies it; an
// adapter only describes it.
type Policy struct {
	// WindowRule is the rule ID of the initial import (e.g. "WOO-1"), used
	// as the rule of orders rejected for an excluded status.
	WindowRule string
	// ImportMonths is the initial import window in calendar months (2).
	ImportMonths int
	// ExcludedStatuses are the native statuses (Order.Status) that the
	// initial import skips.
	ExcludedStatuses []string
	// StatusSync is the status sync direction.
	StatusSync StatusSync
	// HoldUntilDeducted lists platform statuses that are pushed only once
	// the order's products are deducted in RO App (WOO-3: "completed").
	HoldUntilDeducted []string
	// IdentifyBy lists the identify-by keys the platform offers (PRD-2).
	IdentifyBy []IdentifyBy
	// Delivery is how delivery details are transferred.
	Delivery DeliveryMode
	// RequireLines rejects an order without products (WOO-2).
	RequireLines bool
	// RequireCustomer rejects an order that names no customer, or whose
	// customer has neither email nor phone (WOO-2, WOO-C2).
	RequireCustomer bool
	// RequireRule is the rule ID used for RequireLines/RequireCustomer.
	RequireRule string
	// MatchEmail allows contacts to be matched by email as well as phone
	// (CUS-3, WOO-C1).
	MatchEmail bool
	// TransfersAddress transfers the customer's address (SHO-C1).
	TransfersAddress bool
	// StatusComments maps a platform status to a comment that is added to
	// the RO App order, once, when an imported order reaches that status
	// on the platform (Shopify: a cancelled order gets a comment instead
	// of a status change, SHO-2).
	StatusComments map[string]string
}

// Excluded reports whether the initial import skips an order in status.
func (p Policy) Excluded(status string) bool {
	for _, s := range p.ExcludedStatuses {
		if s == status {
			return true
		}
	}
	return false
}

// Held reports whether pushing status waits for deduction (WOO-3).
func (p Policy) Held(status string) bool {
	for _, s := range p.HoldUntilDeducted {
		if s == status {
			return true
		}
	}
	return false
}

// ShopInfo is what a platform says about the connected shop.
type ShopInfo struct {
	Currency string // ISO 4217
	Plan     string // Shopify plan display name; "" elsewhere
	// Timezone is the shop's IANA timezone name ("Europe/Kyiv"), "" when
	// the platform does not say. The engine computes in UTC; it reads the
	// timezone only for dates shown to people: the human line of an RO App
	// order's manager notes (ExternalRef.Notes) gives the shop's order date
	// in it. A name that does not load is logged and UTC is used. An adapter
	// whose API speaks local time converts with its own setting (Cartum's
	// Options.Timezone). platformtest checks that it loads.
	Timezone string
}

// Query selects orders for Platform.Orders. Zero times are no bound.
type Query struct {
	// CreatedSince selects orders created at or after it (initial import).
	CreatedSince time.Time
	// UpdatedSince selects orders created or modified at or after it
	// (reconciliation poll).
	UpdatedSince time.Time
	// Until is the upper bound of creation (initial import) or
	// modification (poll); zero for none. Adapters must honour it
	// (platformtest checks that an order created, or modified, a minute
	// after it is not yielded; the edge second itself is not specified).
	// The Syncer sets it on the initial import, to the connection time
	// (ShopState.ConnectedAt): what is created later comes by webhooks and
	// polls, whose first cursor never starts after the connection.
	Until time.Time
}

// Hint is what a verified webhook says: which order to fetch and apply.
type Hint struct {
	// OrderID is the platform order id; "" for a delivery with nothing to
	// apply (a ping, an unknown topic).
	OrderID string
	// EventID is a stable id for deduplication across redeliveries; "" when
	// the platform has none.
	EventID string
	// Topic is the platform's event name, for logs.
	Topic string
}

// Platform is an online-store adapter. Implementations must be safe for
// concurrent use.
type Platform interface {
	// Name is the platform's lower-case name ("woocommerce").
	Name() string
	// Policy describes the platform's rules. It may depend on what Shop
	// returned (Cartum's statuses), so the Syncer calls it after Shop.
	Policy() Policy
	// Shop returns the shop's currency, plan and timezone.
	Shop(ctx context.Context) (ShopInfo, error)
	// Orders streams the orders that q selects, page by page, oldest
	// first where the platform allows. An order that cannot be decoded is
	// yielded as an *InvalidOrderError (with its id when readable) and the
	// stream goes on; any other error ends the stream.
	Orders(ctx context.Context, q Query) iter.Seq2[Order, error]
	// Order fetches one order by its platform id. A missing or deleted
	// order is an error wrapping ErrNotFound.
	Order(ctx context.Context, id string) (Order, error)
	// VerifyWebhook authenticates a webhook request over its raw body in
	// constant time and returns the hint it carries. An unsigned or wrongly
	// signed request returns an error wrapping ErrSignature; a body over the
	// size limit one wrapping ErrBodyTooLarge. It reads r.Body.
	VerifyWebhook(r *http.Request) (Hint, error)
	// SetStatus sets an order's native status on the platform. It returns
	// ErrUnsupported where the platform has no status sync.
	SetStatus(ctx context.Context, id, status string) error
}

// PlatformClock is an optional capability of a Platform: reading the
// platform's own clock, e.g. from the Date header of its latest answer
// (RFC 9110 §6.6.1 requires an origin server with a clock to send one).
// Connect uses it to measure the skew between the host and the platform,
// logs it at warn level when it passes a minute, and dates the shop's
// connection (ShopState.ConnectedAt) in the platform's time. Without it
// the skew is seen only when the platform is ahead (an order modified
// "in the future"). The poll cursor never depends on it: it comes from the
// platform's own order timestamps either way.
type PlatformClock interface {
	// Now returns the platform's current time (UTC).
	Now(ctx context.Context) (time.Time, error)
}

// ------------------------------------------------------------------ RO App

// ROClock is an optional capability of an ROClient: reading RO App's own
// clock (package roapp: from the Date header of its latest answer). The
// Syncer takes the first RO App poll cursor (ShopState.ROCursor) from it
// at the first Connect; later cursors come from RO App's own order
// timestamps (the newest modified_at a poll saw). Without it the first
// cursor is the connection time, on the host's clock corrected by the
// platform's skew: an RO App status change made before the first poll,
// whose webhook was lost, is then missed when the host is ahead of RO App
// by more than Options.PollOverlap.
type ROClock interface {
	// Now returns RO App's current time (UTC).
	Now(ctx context.Context) (time.Time, error)
}

// Company is the RO App account's settings that rosync needs.
type Company struct {
	Currency string
}

// ROStatus is an RO App order status.
type ROStatus struct {
	ID   int64
	Name string
	// Group is the status group's type as RO App reports it (0 when the
	// account does not say): package roapp reads 6 and 7 as the closed
	// groups (closed successfully, closed unsuccessfully; UNVERIFIED
	// numbering, see its package doc).
	Group int
	// Closed is true for a status of a closed group: an order there is
	// closed or issued, and its products written off (DeductionSignal).
	Closed bool
}

// ROEmployee is an employee of the RO App account (GET
// /company/employees), the kind of id Settings.AssigneeID holds.
type ROEmployee struct {
	ID   int64
	Name string
}

// NewOrder is what the Syncer sends to create an RO App order.
type NewOrder struct {
	BranchID    int64
	OrderTypeID int64
	ClientID    int64
	Ref         ExternalRef
}

// ROItem is a product line of an RO App order ("product without deduction").
type ROItem struct {
	ID        int64
	ProductID int64 // catalogue entity id
	Quantity  int64
	// Price is the unit price; Discount a value discount on the whole
	// item, so that the item amounts to Price×Quantity−Discount (ORD-3).
	Price    decimal.Decimal
	Discount decimal.Decimal
	// Cost is the item's cost price; zero unless the catalogue has one.
	Cost decimal.Decimal
	// AssigneeID is the RO App employee the item is assigned to
	// (Settings.AssigneeID); RO App requires one on every item.
	AssigneeID int64
	// Deducted is true once the item is written off stock in RO App.
	Deducted bool
}

// ROOrder is an RO App order as rosync reads it.
type ROOrder struct {
	ID       int64
	ClientID int64
	StatusID int64
	// Ref is the external reference read back from the order, when it has one.
	Ref      ExternalRef
	HasRef   bool
	Items    []ROItem
	Modified time.Time
}

// Deducted reports whether any of the order's products are written off
// (ORD-5): from then on platform changes are no longer synchronised.
func (o ROOrder) Deducted() bool {
	for _, it := range o.Items {
		if it.Deducted {
			return true
		}
	}
	return false
}

// OrderLookup finds an RO App order created by rosync after a doubt.
type OrderLookup struct {
	Ref      ExternalRef
	ClientID int64     // narrows the search; 0 for none
	Since    time.Time // the order was created at or after this time
}

// ROEvent is an RO App webhook event, as package roapp decodes it.
type ROEvent struct {
	ID       string // the event id, for deduplication
	Name     string // "Order.Status.Changed", …
	OrderID  int64
	StatusID int64 // the new status, for Order.Status.Changed
	At       time.Time
	// ObjectID and ObjectType are the event's object (context.object_id
	// and context.object_type): a contact id for Client.Created, which
	// the Syncer uses to skip reading back a contact it mirrors already.
	ObjectID   int64
	ObjectType string
}

// ROClient is the RO App API as rosync uses it. Implementations must be safe
// for concurrent use and share one rate limit per RO App account.
//
// Errors: a missing object is ErrNotFound (Find* methods); a refused right is
// a *PermissionError; a 429 that outlived the client's retries a
// *RateLimitError; other HTTP errors an *APIError. Create methods are never
// retried blindly: when their outcome is unknown they return an
// *AmbiguousError and the caller looks the object up before creating again.
type ROClient interface {
	// Company returns the account's settings (currency).
	Company(ctx context.Context) (Company, error)
	// Statuses lists the account's order statuses.
	Statuses(ctx context.Context) ([]ROStatus, error)

	// FindContacts returns the person contacts that have the phone (E.164,
	// compared after normalisation) or the email (case-insensitive); either
	// may be "". It returns an empty slice, not ErrNotFound, for no match.
	FindContacts(ctx context.Context, phone, email string) ([]Contact, error)
	// CreateContact creates a person contact and returns its id.
	CreateContact(ctx context.Context, c Contact) (int64, error)
	// UpdateContact writes c's non-empty fields over the contact c.ID;
	// empty ones are left as they are. Phones, when not empty, replace
	// the contact's phones (the caller passes the ones to keep).
	UpdateContact(ctx context.Context, c Contact) error

	// FindProduct finds a catalogue product whose title (IdentifyByName),
	// SKU (IdentifyBySKU) or Code (IdentifyByID) equals value.
	FindProduct(ctx context.Context, by IdentifyBy, value string) (ROProduct, error)
	// CreateProduct creates a catalogue product and returns its id.
	CreateProduct(ctx context.Context, p ROProduct) (int64, error)
	// FindCategory finds a catalogue category by title under parentID (0:
	// top level).
	FindCategory(ctx context.Context, title string, parentID int64) (ROCategory, error)
	// CreateCategory creates a catalogue category and returns its id.
	CreateCategory(ctx context.Context, c ROCategory) (int64, error)

	// CreateOrder creates an order; its status is the one its order type
	// defines (SHO-3). The external reference is written into the order.
	CreateOrder(ctx context.Context, o NewOrder) (int64, error)
	// FindOrder finds the order that carries l.Ref, or ErrNotFound.
	FindOrder(ctx context.Context, l OrderLookup) (ROOrder, error)
	// Order returns an order with its items and their deduction state.
	Order(ctx context.Context, id int64) (ROOrder, error)
	// OrdersModified streams orders modified at or after since (without
	// items), for the reconciliation of missed RO App webhooks.
	OrdersModified(ctx context.Context, since time.Time) iter.Seq2[ROOrder, error]
	// AddItem adds a product without deduction to an order (PRD-6) and
	// returns the item id. A missing right is a *PermissionError (ORD-2).
	AddItem(ctx context.Context, orderID int64, it ROItem) (int64, error)
	// UpdateItem sets an item's quantity and price (PRD-7).
	UpdateItem(ctx context.Context, orderID int64, it ROItem) error
	// DeleteItem removes an item whose line left the platform order.
	DeleteItem(ctx context.Context, orderID, itemID int64) error
	// AddComment adds a comment to the order's event feed (DEL-1).
	AddComment(ctx context.Context, orderID int64, text string) error
	// Comments lists the texts of the order's comments, oldest first.
	Comments(ctx context.Context, orderID int64) ([]string, error)
	// SetStatus moves an order to a status.
	SetStatus(ctx context.Context, orderID, statusID int64) error
}

// ContactNameFinder is an optional capability of an ROClient: finding
// person contacts by name. The Syncer uses it to look up a contact that
// has no phone or email (the SHO-C2 placeholder, a customer known by name
// only) after a create whose outcome was unknown, so that it is not
// created twice (ENG-1). Without it such a doubtful create may leave a
// duplicate contact.
type ContactNameFinder interface {
	// FindContactsByName returns the person contacts whose first and last
	// names are these (compared case-insensitively, trimmed); an empty
	// slice, not ErrNotFound, for no match.
	FindContactsByName(ctx context.Context, firstName, lastName string) ([]Contact, error)
}

// ROIndexLister is an optional capability of an ROClient: listing the
// account's contacts, catalogue products and categories page by page. The
// Syncer uses it to mirror the account's contacts and products in the
// Store (Mirror: listed whole once, then what was modified since the
// stored time, before the creates that rely on the mirror), so that a
// customer or product absent from the mirror is known to be new without a
// lookup per order, and to list the categories at Connect (see index.go).
// The Syncer may read the lists at once, from separate goroutines.
type ROIndexLister interface {
	// ListContacts streams the person contacts, all of them or (with a
	// non-zero modifiedSince) those modified at or after it. Phones
	// written without a country code are read in region.
	ListContacts(ctx context.Context, modifiedSince time.Time, region string) iter.Seq2[Contact, error]
	// ListProducts streams the catalogue products, all or those modified
	// at or after modifiedSince.
	ListProducts(ctx context.Context, modifiedSince time.Time) iter.Seq2[ROProduct, error]
	// ListCategories streams every catalogue category.
	ListCategories(ctx context.Context) iter.Seq2[ROCategory, error]
}
