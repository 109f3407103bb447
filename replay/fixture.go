package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// MaxFixtureSize is the largest fixture Load reads.
const MaxFixtureSize = 64 << 20

// Fixture is a replay fixture (DESIGN.md, a public contract): a shop's
// native platform data, the RO App starting state, and events in order.
type Fixture struct {
	// Platform is the registered platform name (Register): "woocommerce",
	// "shopify", "cartum", or one registered from outside.
	Platform string `json:"platform"`
	// Now is the engine's clock at the connection; the initial import's
	// window ends there. Events happen after it, in order.
	Now      time.Time      `json:"now"`
	Settings Settings       `json:"settings"`
	Shop     Shop           `json:"shop"`
	ROApp    roapptest.Seed `json:"roapp"`
	Events   []Event        `json:"events"`
}

// Settings are the shop's import settings in the fixture.
type Settings struct {
	IdentifyProductsBy rosync.IdentifyBy `json:"identify_products_by"`
	DefaultRegion      string            `json:"default_region"`
	BranchID           int64             `json:"branch_id,omitempty"`
	OrderTypeID        int64             `json:"order_type_id"`
	StatusMap          map[string]string `json:"status_map"`
	// AssigneeID is the RO App employee the imported products are
	// assigned to (rosync.Settings.AssigneeID); 0 means the first of
	// roapp.employees, or roapptest.DefaultEmployee when the fixture seeds
	// none.
	AssigneeID int64 `json:"assignee_id,omitempty"`
	// Timezone is the shop's IANA timezone, for platforms whose dates are
	// local (Cartum).
	Timezone string `json:"timezone,omitempty"`
}

// assignee is the RO App employee items are assigned to.
func (fx *Fixture) assignee() int64 {
	switch {
	case fx.Settings.AssigneeID != 0:
		return fx.Settings.AssigneeID
	case len(fx.ROApp.Employees) > 0:
		return fx.ROApp.Employees[0].ID
	}
	return roapptest.DefaultEmployee.ID
}

// Shop is the platform side of a fixture. Orders, products, categories and
// statuses are native objects, exactly as the platform's API returns them.
type Shop struct {
	Currency   string            `json:"currency"`
	Plan       string            `json:"plan"`
	Orders     []json.RawMessage `json:"orders"`
	Products   []json.RawMessage `json:"products"`
	Categories []json.RawMessage `json:"categories"`
	Statuses   []json.RawMessage `json:"statuses"`
	// Extra holds the platform's other native resources, by a name its
	// harness chooses (PrestaShop's "customers", "addresses",
	// "order_states" in examples/externaladapter). The replay itself
	// reads none of it; a harness refuses the names it does not know.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
}

// The event types.
const (
	// EventPlatformOrder: the order (native JSON) is created or changed on
	// the platform, which then sends its signed webhook.
	EventPlatformOrder = "platform_order"
	// EventRODeduct: an RO App user writes off the order's products.
	EventRODeduct = "ro_deduct"
	// EventROStatus: an RO App user moves the order to Status.
	EventROStatus = "ro_status"
)

// Event is one thing that happens after the connection.
type Event struct {
	Type string `json:"type"`
	// Order is the native order, for platform_order.
	Order json.RawMessage `json:"order,omitempty"`
	// OrderNumber is the platform order number customers see, for the RO
	// App events.
	OrderNumber string `json:"order_number,omitempty"`
	// Status is the RO App status name, for ro_status.
	Status string `json:"status,omitempty"`
}

// FixtureError says what is wrong with a fixture.
type FixtureError struct {
	Field string
	Err   error
}

func (e *FixtureError) Error() string {
	if e.Field == "" {
		return "replay fixture: " + e.Err.Error()
	}
	return "replay fixture: " + e.Field + ": " + e.Err.Error()
}

func (e *FixtureError) Unwrap() error { return e.Err }

// Load reads and checks a fixture. Unknown top-level keys and malformed
// JSON are errors (a typo in a fixture should not pass silently); native
// platform objects are kept as they are for the adapter's fake server.
func Load(r io.Reader) (*Fixture, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFixtureSize+1))
	if err != nil {
		return nil, &FixtureError{Err: err}
	}
	if len(data) > MaxFixtureSize {
		return nil, &FixtureError{Err: fmt.Errorf("larger than %d bytes", MaxFixtureSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fx Fixture
	if err := dec.Decode(&fx); err != nil {
		return nil, &FixtureError{Err: err}
	}
	if dec.More() {
		return nil, &FixtureError{Err: errors.New("trailing data after the fixture object")}
	}
	return &fx, fx.Validate()
}

// Validate checks what Run needs.
func (fx *Fixture) Validate() error {
	if _, ok := harnessFor(fx.Platform); !ok {
		return &FixtureError{Field: "platform", Err: fmt.Errorf("unknown platform %q (known: %v)", fx.Platform, Platforms())}
	}
	if fx.Now.IsZero() {
		return &FixtureError{Field: "now", Err: errors.New("missing")}
	}
	for i, ev := range fx.Events {
		f := fmt.Sprintf("events[%d]", i)
		switch ev.Type {
		case EventPlatformOrder:
			if len(bytes.TrimSpace(ev.Order)) == 0 || bytes.Equal(bytes.TrimSpace(ev.Order), []byte("null")) {
				return &FixtureError{Field: f + ".order", Err: errors.New("missing")}
			}
		case EventRODeduct, EventROStatus:
			if ev.OrderNumber == "" {
				return &FixtureError{Field: f + ".order_number", Err: errors.New("missing")}
			}
			if ev.Type == EventROStatus && ev.Status == "" {
				return &FixtureError{Field: f + ".status", Err: errors.New("missing")}
			}
		default:
			return &FixtureError{Field: f + ".type", Err: fmt.Errorf("unknown event type %q", ev.Type)}
		}
	}
	return nil
}
